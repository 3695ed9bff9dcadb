// Adds to package-lock.json the platform-specific optional dependencies that the registry this
// project installs from does not serve (it carries only the linux-x64/arm64 glibc builds of
// biome, rollup and esbuild). npm writes a lock without them, and `npm ci` then refuses that
// lock as "out of sync". Each added entry carries the os/cpu/libc of its name, so npm skips it on
// every other platform without fetching anything: the lock then reads as it would from the
// public registry (without integrity hashes for builds nobody here can download).
// Run after `npm install` changes the lock: `node scripts/complete-lockfile.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;
const OS = [
  'aix',
  'android',
  'darwin',
  'freebsd',
  'linux',
  'netbsd',
  'openbsd',
  'openharmony',
  'sunos',
  'win32',
];
const CPU = ['arm', 'arm64', 'ia32', 'loong64', 'mips64el', 'ppc64', 'riscv64', 's390x', 'x64'];

/** Where npm would look for `dep` from the package at `path`, nearest first. */
function candidates(path, dep) {
  const out = [];
  let base = path;
  while (base !== '') {
    out.push(`${base}/node_modules/${dep}`);
    const cut = base.lastIndexOf('/node_modules/');
    base = cut === -1 ? '' : base.slice(0, cut);
  }
  out.push(`node_modules/${dep}`);
  return out;
}

let added = 0;
for (const [path, meta] of Object.entries(packages)) {
  for (const [dep, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const places = candidates(path, dep);
    if (places.some((place) => packages[place] !== undefined)) continue;
    const tokens = dep.split('/').at(-1).split('-');
    const entry = { version, optional: true };
    if (meta.dev) entry.dev = true;
    const os = tokens.find((t) => OS.includes(t));
    const cpu = tokens.find((t) => CPU.includes(t));
    if (os) entry.os = [os];
    if (cpu) entry.cpu = [cpu];
    if (tokens.some((t) => t.startsWith('musl'))) entry.libc = ['musl'];
    const top = `node_modules/${dep}`;
    packages[packages[top] === undefined ? top : places[0]] = entry;
    added += 1;
  }
}
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} platform entries to ${file}`);
