// Compose as balena reads it: merge keys, anchors, x-* fields, interpolation, long syntax, the keys balena takes,
// strips with a warning, or refuses, and errors that name the file, line, service and key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCompose } from '../../../simulator/push/project/compose.js';
import { interpolateString, parseDotEnv } from '../../../simulator/push/project/composeInterpolate.js';
import { EdgePushError } from '../../../simulator/shared/errors.js';
import { parseBytes, parseDurationNs } from '../../../simulator/shared/composeUnits.js';

const parse = (text: string, variables: Record<string, string> = {}) => parseCompose(text, 'docker-compose.yml', { variables });
const bad = (text: string, re: RegExp, variables: Record<string, string> = {}) =>
  assert.throws(
    () => parse(text, variables),
    (e: unknown) => {
      assert.ok(EdgePushError.is(e, 'invalid-input'), String(e));
      assert.match(e.message, re);
      return true;
    },
  );

test('merge keys, anchors and x-* extension fields share settings between services', () => {
  const c = parse(`
version: '2.4'
x-common: &common
  restart: unless-stopped
  labels:
    io.balena.features.dbus: '1'
  tmpfs: [/tmp]
services:
  a:
    <<: *common
    build: ./a
    restart: always
  b:
    <<: *common
    image: busybox
    x-note: ignored
volumes:
  data: {}
`);
  const [a, b] = c.services;
  assert.equal(a!.spec.keys.restart, 'always', 'a key of the service wins over the merged one');
  assert.deepEqual(a!.spec.keys.tmpfs, ['/tmp']);
  assert.equal(b!.spec.keys.restart, 'unless-stopped');
  assert.deepEqual(b!.spec.labels, { 'io.balena.features.dbus': '1' });
  assert.deepEqual(c.volumes, { data: {} });
});

test("every key of balena's supported list is accepted and normalised", () => {
  const c = parse(`
services:
  app:
    build:
      context: .
      dockerfile: Dockerfile
      args: [A=1]
      cache_from: [img:1]
      extra_hosts: ['reg=10.0.0.1']
      labels: { k: v }
      shm_size: 256m
      target: prod
    cap_drop: [NET_RAW]
    cgroup_parent: edge
    cpu_quota: 50000
    cpu_shares: 512
    cpuset: 0-1
    dns: 9.9.9.9
    dns_opt: [use-vc]
    dns_search: example.com
    domainname: example.com
    extra_hosts: ['db:10.0.0.2', 'cache=10.0.0.3']
    group_add: [dialout, 20]
    healthcheck: { test: 'true', interval: 1m30s, timeout: 5s, start_period: 10s, retries: 3 }
    hostname: box
    ipc: shareable
    mac_address: 02:42:ac:11:00:02
    mem_limit: 512m
    mem_reservation: 1.5g
    oom_kill_disable: true
    oom_score_adj: 100
    pid: host
    pids_limit: 200
    read_only: true
    security_opt: ['no-new-privileges:true', 'seccomp:unconfined']
    shm_size: 64m
    stop_grace_period: 1m
    stop_signal: SIGINT
    sysctls: { net.core.somaxconn: 1024 }
    tmpfs: /run
    ulimits: { nofile: { soft: 1024, hard: 2048 }, nproc: 512 }
    userns_mode: host
    ports:
      - target: 80
        published: 8080
        protocol: udp
        mode: host
      - "9000"
    devices:
      - source: /dev/ttyUSB0
        target: /dev/ttyUSB0
        permissions: rw
    volumes:
      - type: volume
        source: data
        target: /data
        read_only: true
      - type: tmpfs
        target: /cache
      - /var/run/balena-engine.sock:/var/run/balena-engine.sock
    depends_on:
      db:
        condition: service_started
  db:
    image: db
volumes:
  data:
`);
  const app = c.services[0]!.spec;
  assert.deepEqual(app.build, {
    context: '.',
    dockerfile: 'Dockerfile',
    args: { A: '1' },
    target: 'prod',
    cacheFrom: ['img:1'],
    extraHosts: ['reg:10.0.0.1'],
    labels: { k: 'v' },
    shmSize: 256 * 1024 ** 2,
  });
  const k = app.keys;
  assert.equal(k.mem_limit, 512 * 1024 ** 2);
  assert.equal(k.mem_reservation, 1.5 * 1024 ** 3);
  assert.equal(k.shm_size, 64 * 1024 ** 2);
  assert.deepEqual(k.dns, ['9.9.9.9']);
  assert.deepEqual(k.dns_search, ['example.com']);
  assert.deepEqual(k.extra_hosts, ['db:10.0.0.2', 'cache:10.0.0.3']);
  assert.deepEqual(k.group_add, ['dialout', '20']);
  assert.deepEqual(k.security_opt, ['no-new-privileges=true', 'seccomp=unconfined']);
  assert.deepEqual(k.ulimits, { nofile: { soft: 1024, hard: 2048 }, nproc: { soft: 512, hard: 512 } });
  assert.deepEqual(k.sysctls, { 'net.core.somaxconn': '1024' });
  assert.deepEqual(k.ports, ['8080:80/udp', '9000']);
  assert.deepEqual(k.devices, ['/dev/ttyUSB0:/dev/ttyUSB0:rw']);
  assert.deepEqual(k.volumes, ['data:/data:ro']);
  assert.deepEqual(k.tmpfs, ['/run', '/cache']);
  assert.equal(app.labels['io.balena.features.balena-socket'], '1', 'the engine socket bind becomes its feature label, as balena does');
  assert.deepEqual(app.dependsOn, ['db']);
  assert.equal(k.stop_grace_period, '1m');
  assert.deepEqual(k.healthcheck, { test: 'true', interval: '1m30s', timeout: '5s', start_period: '10s', retries: 3 });
  for (const key of [
    'cap_drop',
    'cgroup_parent',
    'cpu_quota',
    'cpu_shares',
    'cpuset',
    'dns_opt',
    'domainname',
    'hostname',
    'ipc',
    'mac_address',
    'oom_kill_disable',
    'oom_score_adj',
    'pid',
    'pids_limit',
    'read_only',
    'stop_signal',
    'userns_mode',
  ]) {
    assert.ok(k[key] !== undefined, `${key} is kept`);
  }
  assert.ok(c.warnings.some((w) => /docker-compose.yml:\d+: service 'app': service.ports.mode is not supported; removed/.test(w)));
});

test("expose and container_name are stripped with balena's warning, naming the line", () => {
  const c = parse('services:\n  web:\n    image: nginx\n    expose: ["80"]\n    container_name: web1\n');
  assert.equal(c.services[0]!.spec.keys.expose, undefined);
  assert.deepEqual(c.warnings, [
    "docker-compose.yml:4: service 'web': service.expose is informational only; removed from the composition (as balena does)",
    "docker-compose.yml:5: service 'web': service.container_name is not supported (the device names its containers); removed from the composition (as balena does)",
  ]);
});

test('keys balena refuses, and typos, get balena-style messages with the line', () => {
  bad(
    'services:\n  web:\n    image: nginx\n    links: [db]\n',
    /^docker-compose.yml:4: service 'web': links: service.links is not allowed by balena/,
  );
  bad(
    'services:\n  web:\n    image: nginx\n    healtcheck:\n      test: "true"\n',
    /^docker-compose.yml:4: service 'web': healtcheck: unknown key 'healtcheck' \(did you mean 'healthcheck'\?\); balena refuses/,
  );
  bad(
    'services:\n  web:\n    build:\n      context: .\n      dockerfle: D\n',
    /:5: service 'web': build.dockerfle: unknown key build.dockerfle \(did you mean build.dockerfile\?\)/,
  );
  bad('services:\n  web:\n    build:\n      context: .\n      secrets: [x]\n', /service.build.secrets is not allowed by balena/);
  bad(
    'services:\n  web:\n    image: a\n    volumes: ["./src:/app"]\n',
    /:4: service 'web': volumes.0: service.volumes cannot be of type "bind"/,
  );
  bad(
    'services:\n  web:\n    image: a\n    security_opt: [label=disable]\n',
    /only no-new-privileges and unconfined apparmor and seccomp are allowed by balena/,
  );
  bad('services:\n  web:\n    image: a\n    network_mode: container:abc\n', /network_mode container:<id> is not allowed by balena/);
  bad(
    'services:\n  web:\n    image: a\n    depends_on:\n      db:\n        condition: service_healthy\n  db:\n    image: b\n',
    /depends_on condition 'service_healthy' is not supported by balena/,
  );
  bad('services:\n  web:\n    image: a\n    mem_limit: lots\n', /:4: service 'web': mem_limit: expected a size such as 512m or 1g/);
  bad(
    'services:\n  web:\n    image: a\n    healthcheck:\n      interval: soon\n',
    /:5: service 'web': healthcheck.interval: expected a duration/,
  );
  bad(
    'secrets:\n  s: {file: x}\nservices:\n  web:\n    image: a\n',
    /^docker-compose.yml:1: top-level secrets are not supported by balena/,
  );
  bad('servics:\n  web:\n    image: a\n', /unknown top-level key 'servics' \(did you mean 'services'\?\)/);
  bad(
    'services:\n  web:\n    image: a\nnetworks:\n  n:\n    driver: overlay\n',
    /:5: networks.n: only "bridge" and "default" are supported/,
  );
  bad('services:\n  web:\n    image: a\n    networks: [ghost]\n', /uses network 'ghost', which is not declared/);
});

test('YAML errors name the line', () => {
  bad('services:\n  web:\n    image: a\n   bad: [\n', /^docker-compose.yml:4: not valid YAML/);
  bad('services:\n  web:\n    image: a\n  web:\n    image: b\n', /^docker-compose.yml:4: not valid YAML: Map keys must be unique/);
});

test('${VAR} interpolation: defaults, required values, $$, unset variables warned', () => {
  const c = parse(
    'services:\n  web:\n    image: "nginx:${TAG:-1.25}"\n    environment:\n      A: ${A}\n      B: "$${NOT}"\n      C: ${MISSING}\n      D: ${E:+set}\n',
    { A: 'x', E: '1' },
  );
  const w = c.services[0]!.spec;
  assert.equal(w.image, 'nginx:1.25');
  assert.deepEqual(w.environment, { A: 'x', B: '${NOT}', C: '', D: 'set' });
  assert.deepEqual(c.warnings, ['docker-compose.yml: the MISSING variable is not set; defaulting to a blank string']);
  bad(
    'services:\n  web:\n    image: "${IMG:?set IMG to the image}"\n',
    /services.web.image: required variable IMG is missing a value: set IMG to the image/,
  );
  assert.equal(interpolateString('${A:-${B:-deep}}/$C', { C: 'c' }, new Set(), 'x'), 'deep/c');
  assert.equal(interpolateString('${A-unset}|${A:-empty}', { A: '' }, new Set(), 'x'), '|empty');
});

test('.env files as compose reads them', () => {
  assert.deepEqual(parseDotEnv('# c\nA=1\nexport B="two words"\nC=\'x\'\nD=v # note\n\nbad line\n'), {
    A: '1',
    B: 'two words',
    C: 'x',
    D: 'v',
  });
});

test('profiles: a service whose profile is not active is left out, with a warning', () => {
  const c = parseCompose('services:\n  web:\n    image: a\n  debug:\n    image: b\n    profiles: [dev]\n', 'docker-compose.yml', {});
  assert.deepEqual(
    c.services.map((s) => s.name),
    ['web'],
  );
  assert.match(c.warnings[0]!, /service 'debug' is left out/);
  const d = parseCompose('services:\n  web:\n    image: a\n  debug:\n    image: b\n    profiles: [dev]\n', 'docker-compose.yml', {
    profiles: ['dev'],
  });
  assert.deepEqual(
    d.services.map((s) => s.name),
    ['web', 'debug'],
  );
});

test('units: sizes and durations as Docker reads them', () => {
  assert.equal(parseBytes('512m'), 512 * 1024 ** 2);
  assert.equal(parseBytes('1GB'), 1024 ** 3);
  assert.equal(parseBytes(1000), 1000);
  assert.equal(parseBytes('lots'), undefined);
  assert.equal(parseDurationNs('1m30s'), 90e9);
  assert.equal(parseDurationNs('500ms'), 5e8);
  assert.equal(parseDurationNs('10'), 10e9);
  assert.equal(parseDurationNs('1x'), undefined);
});

test('network_mode: service:x must name a service; dependencies in a cycle are refused with the cycle', () => {
  assert.throws(
    () => parse('services:\n  a:\n    image: x\n    network_mode: service:nope\n'),
    /docker-compose.yml:4: service 'a': network_mode service:nope names no service/,
  );
  assert.throws(
    () => parse('services:\n  a:\n    image: x\n    network_mode: "service:b"\n  b:\n    image: x\n    depends_on: [a]\n'),
    /services depend on each other in a cycle \(a -> b -> a\)/,
  );
  assert.equal(parse('services:\n  a:\n    image: x\n  b:\n    image: x\n    network_mode: service:a\n').services.length, 2);
});
