import { defineRecipe } from '../template.js';

const STEAMCMD_EGGS = 'https://github.com/pelican-eggs/games-steamcmd/blob/main';

/** Facepunch's Rust. Unity writes its log to stdout only when told to (`-logfile /dev/stdout`). */
export const rust = defineRecipe({
  title: 'Rust',
  executable: 'RustDedicated',
  args: [
    '-batchmode',
    '-nographics',
    '-logfile',
    '/dev/stdout',
    '+server.port',
    '{port}',
    '+server.identity',
    '{identity}',
    '+server.hostname',
    '{hostname}',
    '+server.maxplayers',
    '{maxPlayers}',
    '+server.worldsize',
    '{worldSize}',
    '+server.seed',
    '{seed}',
    '+rcon.port',
    '{rconPort}',
    '+rcon.password',
    '{rconPassword}',
    '+rcon.web',
    '1',
  ],
  env: { LD_LIBRARY_PATH: '{installDir}/RustDedicated_Data/Plugins/x86_64' },
  vars: {
    identity: 'gameward',
    hostname: 'A gameward Rust server',
    maxPlayers: '50',
    worldSize: '3000',
    seed: '12345',
    rconPort: '28016',
    rconPassword: null,
  },
  defaultPort: 28015,
  readiness: { pattern: 'Server startup complete', timeoutMs: 900_000 },
  stop: { signal: 'SIGTERM' },
  stopTimeoutMs: 120_000,
  consoleStdin: false,
  notes:
    'Console commands go through WebRCON (rcon.web), not stdin. In the Pterodactyl egg the done line arrives over RCON: its wrapper stops reading stdout once RCON connects.',
  sources: [
    'https://github.com/pterodactyl/panel/blob/1.0-develop/database/Seeders/eggs/rust/egg-rust.json',
    'https://github.com/matthewpi/images/blob/master/games/rust/wrapper.js',
    'https://github.com/Didstopia/rust-server/issues/44',
    'https://github.com/GameServerManagers/LinuxGSM/issues/1815',
  ],
});

/** Iron Gate's Valheim. */
export const valheim = defineRecipe({
  title: 'Valheim',
  executable: 'valheim_server.x86_64',
  args: [
    '-nographics',
    '-batchmode',
    '-name',
    '{serverName}',
    '-port',
    '{port}',
    '-world',
    '{world}',
    '-password',
    '{password}',
    '-public',
    '{public}',
  ],
  env: { LD_LIBRARY_PATH: '{installDir}/linux64', SteamAppId: '892970' },
  vars: {
    serverName: 'A gameward Valheim server',
    world: 'Dedicated',
    password: null,
    public: '1',
  },
  defaultPort: 2456,
  readiness: { pattern: 'DungeonDB Start', timeoutMs: 600_000 },
  stop: { signal: 'SIGINT' },
  stopTimeoutMs: 60_000,
  consoleStdin: false,
  notes:
    'No console: SIGINT saves the world and exits (the egg traps SIGTERM into `kill -2`). The password must have at least 5 characters.',
  sources: [
    `${STEAMCMD_EGGS}/valheim/valheim_vanilla/egg-valheim.json`,
    'https://github.com/community-valheim-tools/valheim-server-docker/issues/5',
  ],
});

/** The Fun Pimps' 7 Days to Die. */
export const sevenDaysToDie = defineRecipe({
  title: '7 Days to Die',
  executable: '7DaysToDieServer.x86_64',
  args: [
    '-configfile={configFile}',
    '-quit',
    '-batchmode',
    '-nographics',
    '-dedicated',
    '-ServerPort={port}',
    '-logfile',
    '/dev/stdout',
  ],
  env: { LD_LIBRARY_PATH: '{installDir}' },
  vars: { configFile: 'serverconfig.xml' },
  defaultPort: 26900,
  readiness: {
    pattern: /StartGame done|\[Steamworks\.NET\] NET: Server started/,
    timeoutMs: 600_000,
  },
  stop: { signal: 'SIGINT' },
  stopTimeoutMs: 60_000,
  consoleStdin: false,
  notes:
    'The console is telnet (TelnetPort in serverconfig.xml), not stdin; `shutdown` there is the clean stop. The egg\'s done line "Connected with 7DTD server" is printed by its rcon client, not the game.',
  sources: [
    `${STEAMCMD_EGGS}/7_days_to_die/egg-pterodactyl-7-days-to-die.json`,
    'https://github.com/dmustanger/7dtd-ServerTools/issues/114',
  ],
});

/** Stunlock Studios' V Rising: a Windows server, run under Wine as the egg does. */
export const vRising = defineRecipe({
  title: 'V Rising',
  executable: 'VRisingServer.exe',
  launcher: { command: 'wine', args: [] },
  args: [
    '-persistentDataPath',
    '{saveDir}',
    '-address',
    '0.0.0.0',
    '-gamePort',
    '{port}',
    '-queryPort',
    '{queryPort}',
  ],
  env: { WINEDEBUG: '-all' },
  vars: { saveDir: 'save-data', queryPort: '9877' },
  defaultPort: 9876,
  readiness: { pattern: '[Server] Startup Completed', timeoutMs: 600_000 },
  stop: { signal: 'SIGINT' },
  stopTimeoutMs: 60_000,
  consoleStdin: false,
  notes: 'Needs wine on PATH. No stdin console; RCON when enabled in ServerHostSettings.json.',
  sources: [`${STEAMCMD_EGGS}/v_rising/v_rising_vanilla/egg-pterodactyl-v-rising.json`],
});
