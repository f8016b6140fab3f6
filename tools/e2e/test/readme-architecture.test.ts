import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@signet/testing';

const PROJECT_ROOTS = ['packages', 'apps'] as const;

/** The `packages/<x>` and `apps/<x>` named in the first cell of the README's `| project | holds |` table. */
function architectureRows(readme: string): string[] {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Architecture\n'));
  if (!section) throw new Error('the README has no "## Architecture" section');
  const lines = section.split('\n');
  const header = lines.findIndex((l) => /^\|\s*project\s*\|\s*holds\s*\|$/.test(l.trim()));
  if (header < 0) throw new Error('the Architecture section has no "| project | holds |" table');
  const rows = lines.slice(header + 2);
  const end = rows.findIndex((l) => !l.startsWith('|'));
  const table = end < 0 ? rows : rows.slice(0, end);
  const named = new RegExp(`\`((?:${PROJECT_ROOTS.join('|')})/[^\`/]+)/?\``, 'g');
  return table.flatMap((row) => [...(row.split('|')[1] ?? '').matchAll(named)].map((m) => m[1]!));
}

/** Every folder under packages/ and apps/, as `packages/<x>`. */
function projectFolders(root: string): string[] {
  return PROJECT_ROOTS.flatMap((dir) =>
    readdirSync(join(root, dir), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => `${dir}/${e.name}`),
  );
}

function compare(rows: string[], folders: string[]) {
  return {
    withoutRow: folders.filter((f) => !rows.includes(f)).sort(),
    withoutFolder: rows.filter((r) => !folders.includes(r)).sort(),
  };
}

describe('the README architecture table', () => {
  const root = repoRoot();
  const readme = readFileSync(join(root, 'README.md'), 'utf8');

  it('has a row for every folder of packages/ and apps/, and no row for a folder that does not exist', () => {
    const folders = projectFolders(root);
    expect(folders).toEqual(expect.arrayContaining(['packages/queue', 'apps/signer']));
    expect(compare(architectureRows(readme), folders)).toEqual({ withoutRow: [], withoutFolder: [] });
  });

  it('names each project once', () => {
    const rows = architectureRows(readme);
    expect(rows.filter((r, i) => rows.indexOf(r) !== i)).toEqual([]);
  });

  it('tells a folder without a row and a row without a folder apart (the check reads the table it means)', () => {
    const doctored = readme
      .replace(/^\| `packages\/oci` \|.*\n/m, '')
      .replace(/^(\| `apps\/cli` \|.*\n)/m, '$1| `packages/gone` | a package that was removed |\n');
    expect(doctored).not.toBe(readme);
    expect(compare(architectureRows(doctored), projectFolders(root))).toEqual({
      withoutRow: ['packages/oci'],
      withoutFolder: ['packages/gone'],
    });
  });
});
