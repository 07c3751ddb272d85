// Debian package names and dependency closures read from apt output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { debFileNames, parseDependsClosure } from '../../../simulator/shared/debPackages.js';

test("Debian package names from apt's output", () => {
  const depends = 'nodejs\n  Depends: libnode108\n |Depends: <nodejs:any>\nlibnode108\n  Depends: libc6\n<nodejs:any>\nlibc6\n';
  assert.deepEqual(parseDependsClosure(depends), ['libc6', 'libnode108', 'nodejs']);
  const show =
    'Package: busybox-static\nVersion: 1:1.35.0-4+deb12u1+b1\nArchitecture: arm64\nFilename: pool/x.deb\n\nPackage: libc6\nVersion: 2.36-9+deb12u10\nArchitecture: arm64\n';
  assert.deepEqual(debFileNames(show, ['libc6', 'busybox-static', 'nope']), [
    'libc6_2.36-9+deb12u10_arm64.deb',
    'busybox-static_1%3a1.35.0-4+deb12u1+b1_arm64.deb',
    undefined,
  ]);
});
