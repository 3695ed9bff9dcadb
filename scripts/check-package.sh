#!/usr/bin/env bash
# Checks the packed tarball as a user receives it: publint, attw, and a scratch project that
# installs it and imports both entry points from JavaScript and from TypeScript.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# npm pack builds first (prepack): a fresh clone never packs an empty package.
rm -rf dist
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
tar -tzf "$work/$tarball" >"$work/files.txt"
grep -q '^package/dist/index.js$' "$work/files.txt" || { echo "check-package: no dist in the tarball" >&2; exit 1; }
grep -q '^package/assets/fake-game-server.mjs$' "$work/files.txt" || { echo "check-package: no fake game server" >&2; exit 1; }
if grep -q '\.map$' "$work/files.txt"; then echo "check-package: source maps shipped" >&2; exit 1; fi
echo "check-package: packed $tarball ($(du -h "$work/$tarball" | cut -f1))"
npx --no-install publint run "$work/$tarball" --strict
npx --no-install attw "$work/$tarball" --profile esm-only

scratch="$work/scratch"
mkdir -p "$scratch"
cd "$scratch"
cat > package.json <<'JSON'
{ "name": "scratch", "private": true, "type": "module" }
JSON
npm install --silent --no-audit --no-fund "$work/$tarball" >/dev/null
cat > use.mjs <<'JS'
import { toWire, fromWire, stateLabel, GamewardError } from 'gameward';
import { FakeSupervisor } from 'gameward/testing';
const fake = new FakeSupervisor({ id: 'scratch' });
await fake.start();
const wire = JSON.stringify(toWire(fake.state));
if (wire !== '{"state":"running"}') throw new Error(`unexpected wire ${wire}`);
if (stateLabel(fromWire({ state: 'crashed', exit_code: 3 })) !== 'crashed') throw new Error('label');
try { fromWire(null); throw new Error('no throw'); } catch (e) { if (!(e instanceof GamewardError)) throw e; }
await fake.close();
// The bundled fake game server ships and runs.
import { existsSync } from 'node:fs';
import { fakeGameServer } from 'gameward/testing';
import { ProcessSupervisor } from 'gameward';
if (!existsSync(fakeGameServer)) throw new Error(`fake game server missing: ${fakeGameServer}`);
const server = new ProcessSupervisor({ id: 'scratch-proc', executable: process.execPath,
  args: [fakeGameServer, '--name=scratch'], readiness: { pattern: 'Server started' }, stopCommand: 'quit' });
await server.start();
await server.close();
// Recipes ship as their own entry point.
import { recipe, recipeNames } from 'gameward/recipes';
if (!recipeNames.includes('minecraft-paper')) throw new Error('recipes missing');
recipe('factorio', { installDir: '/srv/factorio', port: 34197 });
console.log('check-package: JS import ok');
JS
# typed-emitter is only a type now: nothing pulls in rxjs (12 MB) for it.
if [ -d node_modules/rxjs ]; then echo "check-package: rxjs was installed" >&2; exit 1; fi
node use.mjs
cat > use.ts <<'TS'
import { type InstanceState, toWire, fromWire, stateLabel, GamewardError, type Supervisor } from 'gameward';
import { FakeSupervisor } from 'gameward/testing';
const s: InstanceState = fromWire({ state: 'running' });
const label: 'running' | 'stopped' | 'unmanaged' | 'starting' | 'stopping' | 'crashed' = stateLabel(s);
const sup: Supervisor = new FakeSupervisor({ id: 'scratch-ts' });
const e: GamewardError = new GamewardError('ERR_TIMEOUT', 'x');
export const used = [toWire(s), label, sup.instanceId, e.code];
TS
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "module": "NodeNext", "moduleResolution": "NodeNext", "target": "ES2022", "lib": ["ES2023", "ESNext.Disposable"], "strict": true, "noEmit": true, "types": ["node"], "skipLibCheck": false }, "files": ["use.ts"] }
JSON
ln -s "$root/node_modules/@types" node_modules/@types
"$root/node_modules/.bin/tsc" -p tsconfig.json
echo "check-package: TS import and types ok"
