import { minecraftBedrock, minecraftJava, minecraftPaper } from './minecraft.js';
import { counterStrike2, enshrouded, factorio, projectZomboid, terraria } from './other-games.js';
import { rust, sevenDaysToDie, valheim, vRising } from './unity-games.js';
import {
  arkSurvivalAscended,
  conanExiles,
  palworld,
  satisfactory,
  soulmask,
} from './unreal-games.js';

/** Every built-in recipe by name. */
export const catalog = {
  rust,
  valheim,
  'minecraft-java': minecraftJava,
  'minecraft-paper': minecraftPaper,
  'minecraft-bedrock': minecraftBedrock,
  'ark-survival-ascended': arkSurvivalAscended,
  'counter-strike-2': counterStrike2,
  palworld,
  factorio,
  '7-days-to-die': sevenDaysToDie,
  terraria,
  'project-zomboid': projectZomboid,
  satisfactory,
  enshrouded,
  'v-rising': vRising,
  'conan-exiles': conanExiles,
  soulmask,
} as const;
