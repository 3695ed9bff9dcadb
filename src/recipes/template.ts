import { GamewardError } from '../errors.js';
import type { RecipeSpec } from './types.js';

/** Infers a recipe's variable names from its `vars`, so `recipe()` options are typed per game. */
export function defineRecipe<V extends string>(spec: RecipeSpec<V>): RecipeSpec<V> {
  return spec;
}

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

/** Replaces each `{name}` in `template`; an unknown name is a bug in the recipe, so it throws. */
export function fillTemplate(
  template: string,
  values: Readonly<Record<string, string>>,
  where: string,
): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new GamewardError(
        'ERR_INVALID_CONFIG',
        `${where}: the template ${JSON.stringify(template)} names an unknown variable {${name}}`,
      );
    }
    return value;
  });
}
