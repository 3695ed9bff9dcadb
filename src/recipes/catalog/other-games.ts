import { defineRecipe } from '../template.js';

const STEAMCMD_EGGS = 'https://github.com/pelican-eggs/games-steamcmd/blob/main';
const STANDALONE_EGGS = 'https://github.com/pelican-eggs/games-standalone/blob/main';

/** Valve's Counter-Strike 2. */
export const counterStrike2 = defineRecipe({
  title: 'Counter-Strike 2',
  executable: 'game/bin/linuxsteamrt64/cs2',
  args: [
    '-dedicated',
    '-ip',
    '0.0.0.0',
    '-port',
    '{port}',
    '-maxplayers',
    '{maxPlayers}',
    '+game_type',
    '{gameType}',
    '+game_mode',
    '{gameMode}',
    '+map',
    '{map}',
  ],
  env: { LD_LIBRARY_PATH: '{installDir}/game/bin/linuxsteamrt64' },
  vars: { maxPlayers: '12', gameType: '0', gameMode: '1', map: 'de_dust2' },
  defaultPort: 27015,
  readiness: { pattern: 'Connection to Steam servers successful', timeoutMs: 300_000 },
  stop: { command: 'quit' },
  stopTimeoutMs: 30_000,
  consoleStdin: true,
  notes: 'A public server needs +sv_setsteamaccount <token> (pass it in extraArgs).',
  sources: [
    `${STEAMCMD_EGGS}/counter_strike/counter_strike_2/egg-pterodactyl-counter--strike2.json`,
  ],
});

/** Wube's Factorio headless server. */
export const factorio = defineRecipe({
  title: 'Factorio',
  executable: 'bin/x64/factorio',
  args: ['--port', '{port}', '--start-server', '{save}', '--server-settings', '{serverSettings}'],
  vars: { save: 'saves/gamesave.zip', serverSettings: 'data/server-settings.json' },
  defaultPort: 34197,
  readiness: { pattern: /Hosting game at IP ADDR/, timeoutMs: 120_000 },
  stop: { command: '/quit' },
  stopTimeoutMs: 60_000,
  consoleStdin: true,
  notes: 'The save must exist: create it once with `factorio --create saves/gamesave.zip`.',
  sources: [
    `${STANDALONE_EGGS}/factorio/factorio/egg-pterodactyl-factorio.json`,
    'https://github.com/factoriotools/factorio-docker/issues/175',
    'https://github.com/OpenFactorioServerManager/factorio-server-manager/issues/392',
  ],
});

/** Re-Logic's Terraria dedicated server. */
export const terraria = defineRecipe({
  title: 'Terraria',
  executable: 'TerrariaServer.bin.x86_64',
  args: ['-config', '{configFile}', '-port', '{port}'],
  vars: { configFile: 'serverconfig.txt' },
  defaultPort: 7777,
  readiness: { pattern: "Type 'help' for a list of commands", timeoutMs: 300_000 },
  stop: { command: 'exit' },
  stopTimeoutMs: 30_000,
  consoleStdin: true,
  notes: 'Without a world in the config file it asks for one on stdin and never gets ready.',
  sources: [`${STANDALONE_EGGS}/terraria/vanilla/egg-pterodactyl-terraria-vanilla.json`],
});

/** The Indie Stone's Project Zomboid, through the start-server.sh it ships. */
export const projectZomboid = defineRecipe({
  title: 'Project Zomboid',
  executable: 'start-server.sh',
  args: [
    '-port',
    '{port}',
    '-udpport',
    '{udpPort}',
    '-servername',
    '{serverName}',
    '-adminusername',
    '{adminUser}',
    '-adminpassword',
    '{adminPassword}',
  ],
  vars: { udpPort: '16262', serverName: 'gameward', adminUser: 'admin', adminPassword: null },
  defaultPort: 16261,
  readiness: { pattern: 'SERVER STARTED', timeoutMs: 600_000 },
  stop: { command: 'quit' },
  stopTimeoutMs: 60_000,
  consoleStdin: true,
  notes: 'Without -adminpassword the first start asks for one on stdin.',
  sources: [
    `${STEAMCMD_EGGS}/project_zomboid/egg-pterodactyl-project-zomboid.json`,
    'https://github.com/TuRz4m/Project-Zomboid_Docker/issues/4',
  ],
});

/** Keen Games' Enshrouded: a Windows server, run under Wine. */
export const enshrouded = defineRecipe({
  title: 'Enshrouded',
  executable: 'enshrouded_server.exe',
  launcher: { command: 'wine', args: [] },
  args: [],
  env: { WINEDEBUG: '-all' },
  vars: {},
  defaultPort: 15636,
  readiness: { pattern: "[Session] 'HostOnline' (up)!", timeoutMs: 600_000 },
  stop: { signal: 'SIGINT' },
  stopTimeoutMs: 60_000,
  consoleStdin: false,
  notes:
    'Ports live in enshrouded_server.json, not on the command line. The egg reads the done line from logs/enshrouded_server.log (it tails the file).',
  sources: [`${STEAMCMD_EGGS}/enshrouded/egg-pterodactyl-enshrouded.json`],
});
