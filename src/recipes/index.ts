// Public surface of `gameward/recipes`: known game servers, and Pterodactyl/Pelican eggs.

export { type EggImport, type FromEggOptions, fromEgg } from './egg/from-egg.js';
export type { EggGap } from './egg/gaps.js';
export type { EggFormat } from './egg/read-egg.js';
export { type RecipeName, type RecipeVarName, recipe, recipeNames } from './recipe.js';
export type {
  RecipeBaseOptions,
  RecipeConfig,
  RecipeOptions,
  RecipeSpec,
  RecipeStop,
} from './types.js';
