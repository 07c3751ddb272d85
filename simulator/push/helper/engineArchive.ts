// Files into and out of a container through a device's engine API, as a stock balenaOS device offers it:
// `PUT /containers/{id}/archive?path=/` takes a (gzip-compressed or plain) tar, `HEAD` stats one path. Raw HTTP so
// the bytes that cross the wire are counted exactly and a cut connection is an error the caller can resume after.
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { hostForUrl } from '../deviceAddress.js';
import type { DeviceClient } from '../deviceClient.js';
import { invalidInput } from '../../shared/errors.js';

/** A tar archive holding one regular file (`name` relative to `/`), ustar, in memory. */
export function tarOfFile(name: string, data: Uint8Array, mode = 0o644): Buffer {
  if (Buffer.byteLength(name) > 99) throw invalidInput(`tar name too long: ${name}`);
  const header = Buffer.alloc(512);
  header.write(name, 0, 'utf8');
  header.write(`${mode.toString(8).padStart(7, '0')}\0`, 100, 'ascii');
  header.write('0000000\0', 108, 'ascii');
  header.write('0000000\0', 116, 'ascii');
  header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  header.write(
    `${Math.floor(Date.now() / 1000)
      .toString(8)
      .padStart(11, '0')}\0`,
    136,
    'ascii',
  );
  header.write('        ', 148, 'ascii');
  header.write('0', 156, 'ascii');
  header.write('ustar\0', 257, 'ascii');
  header.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, Buffer.from(data.buffer, data.byteOffset, data.length), pad, Buffer.alloc(1024)]);
}

/** A gzip-compressed one-file tar (the engine takes gzip, bzip2 or xz on the archive endpoint). */
export function gzipTarOfFile(name: string, data: Uint8Array, mode = 0o644): Buffer {
  return gzipSync(tarOfFile(name, data, mode), { level: 9 });
}

function engineBase(client: DeviceClient): string {
  return `http://${hostForUrl(client.host)}:${client.enginePort}`;
}

/** Puts `tar` at `/` of the container; resolves with the bytes sent. A broken connection rejects. */
export function putArchive(client: DeviceClient, containerId: string, tar: Buffer, signal?: AbortSignal): Promise<number> {
  const url = new URL(`${engineBase(client)}/containers/${encodeURIComponent(containerId)}/archive`);
  url.searchParams.set('path', '/');
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'PUT',
        signal,
        headers: { 'content-type': 'application/x-tar', 'content-length': String(tar.length), ...client.authHeaders() },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          if (res.statusCode === 200) resolve(tar.length);
          else
            reject(new Error(`the engine refused the archive (${res.statusCode}): ${Buffer.concat(parts).toString('utf8').slice(0, 200)}`));
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(120_000, () => req.destroy(new Error('no answer from the engine for 120 s')));
    req.on('error', (err) => reject(new Error(`sending to the device's engine broke: ${err.message}`)));
    req.end(tar);
  });
}

/** The size of a regular file in the container, or undefined when it is not there. */
export function statPath(client: DeviceClient, containerId: string, path: string, signal?: AbortSignal): Promise<number | undefined> {
  const url = new URL(`${engineBase(client)}/containers/${encodeURIComponent(containerId)}/archive`);
  url.searchParams.set('path', path);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'HEAD', signal, headers: client.authHeaders() }, (res) => {
      res.resume();
      if (res.statusCode === 404) return resolve(undefined);
      if (res.statusCode !== 200) return reject(new Error(`stat ${path} answered ${res.statusCode}`));
      const raw = res.headers['x-docker-container-path-stat'];
      try {
        const stat = JSON.parse(Buffer.from(String(raw), 'base64').toString('utf8')) as { size?: number };
        resolve(typeof stat.size === 'number' ? stat.size : undefined);
      } catch {
        resolve(undefined);
      }
    });
    req.setTimeout(30_000, () => req.destroy(new Error('no answer from the engine for 30 s')));
    req.on('error', (err) => reject(new Error(`asking the device's engine broke: ${err.message}`)));
    req.end();
  });
}
