import { defineRecipe } from '../template.js';

const STEAMCMD_EGGS = 'https://github.com/pelican-eggs/games-steamcmd/blob/main';

/** Studio Wildcard's ARK: Survival Ascended: a Windows server, run under Proton as the egg does. */
export const arkSurvivalAscended = defineRecipe({
  title: 'ARK: Survival Ascended',
  executable: 'ShooterGame/Binaries/Win64/ArkAscendedServer.exe',
  launcher: { command: 'proton', args: ['run'] },
  args: [
    '{map}?listen?SessionName={sessionName}?Port={port}?QueryPort={queryPort}?RCONPort={rconPort}?RCONEnabled=True?ServerAdminPassword={adminPassword}',
    '-WinLiveMaxPlayers={maxPlayers}',
    '-servergamelog',
    '-log',
  ],
  vars: {
    map: 'TheIsland_WP',
    sessionName: 'gameward-ark',
    queryPort: '27015',
    rconPort: '27020',
    adminPassword: null,
    maxPlayers: '70',
  },
  defaultPort: 7777,
  readiness: {
    pattern: /" has successfully started!|has completed startup and is now advertising for join/,
    timeoutMs: 900_000,
  },
  stop: { signal: 'SIGINT' },
  stopTimeoutMs: 120_000,
  consoleStdin: false,
  notes:
    'Needs Proton on PATH. The log goes to ShooterGame/Saved/Logs/ShooterGame.log (the egg tails it; its done line "Waiting commands for 127.0.0.1:" comes from its RCON client). Clean stop: RCON `DoExit`.',
  sources: [
    `${STEAMCMD_EGGS}/ark_survival_ascended/egg-pterodactyl-a-r-k--survival-ascended.json`,
    'https://github.com/cdp1337/ARKSurvivalAscended-Linux/issues/11',
    'https://github.com/pterodactyl/panel/issues/5415',
  ],
});

/** Pocketpair's Palworld. */
export const palworld = defineRecipe({
  title: 'Palworld',
  executable: 'Pal/Binaries/Linux/PalServer-Linux-Shipping',
  args: [
    'Pal',
    '-port={port}',
    '-players={maxPlayers}',
    '-useperfthreads',
    '-NoAsyncLoadingThread',
    '-UseMultithreadForDS',
  ],
  vars: { maxPlayers: '32' },
  defaultPort: 8211,
  readiness: { pattern: 'Setting breakpad minidump AppID = 2394010', timeoutMs: 300_000 },
  stop: { signal: 'SIGINT' },
  stopTimeoutMs: 60_000,
  consoleStdin: false,
  notes:
    'No stdin console: the egg pipes stdin to an RCON client. Save first over RCON (`Save`, then `Shutdown 15`). The done line is printed early, once Steam is initialised.',
  sources: [
    `${STEAMCMD_EGGS}/palworld/egg-pterodactyl-palworld.json`,
    'https://github.com/thijsvanloef/palworld-server-docker/issues/702',
  ],
});

/** Coffee Stain's Satisfactory, through the FactoryServer.sh it ships. */
export const satisfactory = defineRecipe({
  title: 'Satisfactory',
  executable: 'FactoryServer.sh',
  args: ['-Port={port}', '-log', '-unattended'],
  vars: {},
  defaultPort: 7777,
  readiness: { pattern: 'Engine Initialization', timeoutMs: 600_000 },
  stop: { signal: 'SIGINT' },
  stopTimeoutMs: 60_000,
  consoleStdin: false,
  notes: 'Managed through the in-game server manager or its HTTPS API, not stdin.',
  sources: [`${STEAMCMD_EGGS}/satisfactory/egg-pterodactyl-satisfactory.json`],
});

/** Funcom's Conan Exiles: a Windows server, run under Wine with a virtual display as the egg does. */
export const conanExiles = defineRecipe({
  title: 'Conan Exiles',
  executable: 'ConanSandbox/Binaries/Win64/ConanSandboxServer-Win64-Shipping.exe',
  launcher: { command: 'xvfb-run', args: ['--auto-servernum', 'wine'] },
  args: ['-Port={port}', '-QueryPort={queryPort}', '-RconPort={rconPort}', '-console', '-log'],
  env: { WINEDEBUG: '-all' },
  vars: { queryPort: '27015', rconPort: '25575' },
  defaultPort: 7777,
  readiness: { pattern: 'Started SourceServerQueries', timeoutMs: 600_000 },
  stop: { signal: 'SIGINT' },
  stopTimeoutMs: 60_000,
  consoleStdin: false,
  notes:
    'Needs wine and xvfb-run on PATH. The egg stops it with "^^C" (a SIGINT); RCON for commands.',
  sources: [`${STEAMCMD_EGGS}/conan_exiles/egg-pterodactyl-conan-exiles.json`],
});

/** Qooland's Soulmask. */
export const soulmask = defineRecipe({
  title: 'Soulmask',
  executable: 'WS/Binaries/Linux/WSServer-Linux-Shipping',
  args: [
    'WS',
    'Level01_Main',
    '-server',
    '-SILENT',
    '-SteamServerName={serverName}',
    '-Port={port}',
    '-QueryPort={queryPort}',
    '-EchoPort={echoPort}',
    '-MaxPlayers={maxPlayers}',
    '-forcepassthrough',
    '-log',
    '-UTF8Output',
    '-MULTIHOME=0.0.0.0',
    '-online=Steam',
  ],
  vars: {
    serverName: 'A gameward Soulmask server',
    queryPort: '27015',
    echoPort: '18888',
    maxPlayers: '60',
  },
  defaultPort: 8777,
  readiness: { pattern: 'Create Dungeon Successed', timeoutMs: 600_000 },
  stop: { signal: 'SIGINT' },
  stopTimeoutMs: 60_000,
  consoleStdin: false,
  notes: 'Maintenance console on the telnet EchoPort (local only), not stdin.',
  sources: [`${STEAMCMD_EGGS}/soulmask/egg-pterodactyl-soulmask.json`],
});
