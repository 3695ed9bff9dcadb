// The user docs must not drift from the code: the state machine drawn and tabled in
// docs/concepts.md is src/state/transitions.ts, and every relative link points at a file.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type StateLabel, stateLabels, transitions } from '../../src/index.js';

const docs = fileURLToPath(new URL('../../docs/', import.meta.url));
const read = (name: string): string => readFileSync(join(docs, name), 'utf8');
const sorted = (edges: Iterable<string>): string[] => [...new Set(edges)].sort();

const expected = sorted(
  stateLabels.flatMap((from) => transitions[from].map((to) => `${from} -> ${to}`)),
);

function tableEdges(markdown: string): string[] {
  const edges: string[] = [];
  for (const [, from, targets] of markdown.matchAll(/^\|\s*(\w+)\s*\|\s*([^|]+?)\s*\|$/gm)) {
    if (!(stateLabels as readonly string[]).includes(from as string)) continue;
    for (const to of (targets as string).split(',').map((t) => t.trim().split(' ')[0])) {
      if ((stateLabels as readonly string[]).includes(to as string)) edges.push(`${from} -> ${to}`);
    }
  }
  return sorted(edges);
}

function mermaidEdges(markdown: string): string[] {
  const diagram = /```mermaid\n([\s\S]*?)```/.exec(markdown)?.[1] ?? '';
  return sorted(
    [...diagram.matchAll(/^\s*(\w+) --> (\w+)/gm)].map(([, from, to]) => `${from} -> ${to}`),
  );
}

describe('docs/concepts.md', () => {
  const concepts = read('concepts.md');

  it('tables exactly the transitions of src/state/transitions.ts', () => {
    expect(tableEdges(concepts)).toEqual(expected);
    const unmanaged: StateLabel = 'unmanaged';
    expect(concepts).toMatch(
      new RegExp(`^\\| ${unmanaged} +\\| \\(nothing: terminal\\) +\\|$`, 'm'),
    );
  });

  it('draws exactly those transitions in its mermaid diagram', () => {
    expect(mermaidEdges(concepts)).toEqual(expected);
  });
});

describe.each(['getting-started.md', 'concepts.md', 'embedding.md', 'testing.md', 'fleet.md'])(
  'docs/%s',
  (name) => {
    it('links only to files that exist', () => {
      const links = [...read(name).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
        .map(([, target]) => target as string)
        .filter((target) => !/^[a-z]+:/.test(target));
      expect(links.length).toBeGreaterThan(0);
      const missing = links.filter(
        (target) => !existsSync(join(dirname(join(docs, name)), target)),
      );
      expect(missing).toEqual([]);
    });
  },
);
