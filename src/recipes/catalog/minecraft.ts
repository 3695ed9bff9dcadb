import { defineRecipe } from '../template.js';

const PANEL_EGGS = 'https://github.com/pterodactyl/panel/blob/1.0-develop/database/Seeders/eggs';
const JAVA_READY = /Done \([\d.,]+s\)! For help, type "help"/;

/** Mojang's vanilla server: `java -jar server.jar nogui`. */
export const minecraftJava = defineRecipe({
  title: 'Minecraft: Java Edition (vanilla)',
  executable: '{jarFile}',
  launcher: { command: 'java', args: ['-Xms128M', '-Xmx{memoryMb}M', '-jar'] },
  args: ['nogui', '--port', '{port}'],
  vars: { jarFile: 'server.jar' },
  defaultPort: 25565,
  readiness: { pattern: JAVA_READY, timeoutMs: 300_000 },
  stop: { command: 'stop' },
  stopTimeoutMs: 60_000,
  consoleStdin: true,
  notes:
    'Exits at once until eula.txt says eula=true (the eggs accept it through their "eula" feature). Needs java on PATH.',
  sources: [
    `${PANEL_EGGS}/minecraft/egg-vanilla-minecraft.json`,
    'https://github.com/barneygale/mark2/issues/128',
  ],
});

/** PaperMC: the same JVM command line, with the flags the Paper egg passes. */
export const minecraftPaper = defineRecipe({
  title: 'Minecraft: Java Edition (Paper)',
  executable: '{jarFile}',
  launcher: {
    command: 'java',
    args: ['-Xms128M', '-Xmx{memoryMb}M', '-Dterminal.jline=false', '-Dterminal.ansi=true', '-jar'],
  },
  args: ['nogui', '--port', '{port}'],
  vars: { jarFile: 'server.jar' },
  defaultPort: 25565,
  readiness: { pattern: JAVA_READY, timeoutMs: 300_000 },
  stop: { command: 'stop' },
  stopTimeoutMs: 60_000,
  consoleStdin: true,
  notes: 'Same ready line as vanilla. Exits at once until eula.txt says eula=true.',
  sources: [
    `${PANEL_EGGS}/minecraft/egg-paper.json`,
    'https://github.com/barneygale/mark2/issues/128',
  ],
});

/** Mojang's Bedrock Dedicated Server for Linux. */
export const minecraftBedrock = defineRecipe({
  title: 'Minecraft: Bedrock Edition',
  executable: 'bedrock_server',
  args: [],
  env: { LD_LIBRARY_PATH: '{installDir}' },
  vars: {},
  defaultPort: 19132,
  readiness: { pattern: 'Server started', timeoutMs: 120_000 },
  stop: { command: 'stop' },
  stopTimeoutMs: 30_000,
  consoleStdin: true,
  notes:
    'Takes no port argument: set server-port in server.properties (the egg rewrites that file). `port` only names the instance.',
  sources: [
    'https://github.com/pelican-eggs/minecraft/blob/main/bedrock/bedrock/egg-vanilla-bedrock.json',
  ],
});
