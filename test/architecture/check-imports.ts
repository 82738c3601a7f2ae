// Reads every import of the product's TypeScript (the compiler's own pre-processor: static,
// dynamic and type-only imports, re-exports) and checks them against import-rules.ts: arrows the
// map does not allow, effects in pure layers, restricted modules, and import cycles.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { DOORS, EFFECT_EXCEPTIONS, EFFECT_MODULES, EXCEPTIONS, LAYERS, PURE_LAYERS, RESTRICTED } from './import-rules.js';

export interface Edge {
  from: string;
  /** A repository path for the project's files, else the module specifier (node:fs, pg…). */
  to: string;
}

const SKIP_DIRS = new Set(['node_modules', 'fixtures', 'dist']);

function listSources(dir: string, root: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      if (!SKIP_DIRS.has(name)) listSources(full, root, out);
    } else if (/\.(ts|tsx|mts)$/.test(name) && !/\.d\.ts$|\.k6\.ts$/.test(name)) out.push(path.relative(root, full));
  }
  return out;
}

function resolveRelative(root: string, from: string, spec: string): string {
  const base = path.join(path.dirname(from), spec);
  for (const candidate of [base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), base]) {
    if (existsSync(path.join(root, candidate))) return candidate.split(path.sep).join('/');
  }
  return base.split(path.sep).join('/');
}

/** Every import of every product source file under `root`'s layers. */
export function readImports(root: string): Edge[] {
  const tops = [...new Set(Object.values(LAYERS).map((l) => l.path.split('/')[0]))];
  const files = tops.filter((t) => existsSync(path.join(root, t))).flatMap((t) => listSources(path.join(root, t), root));
  const edges: Edge[] = [];
  for (const from of files) {
    const info = ts.preProcessFile(readFileSync(path.join(root, from), 'utf8'), true, true);
    for (const imp of info.importedFiles) {
      const to = imp.fileName.startsWith('.') ? resolveRelative(root, from, imp.fileName) : imp.fileName;
      edges.push({ from, to });
    }
  }
  return edges;
}

export function layerOf(file: string): string | null {
  let best: string | null = null;
  for (const [name, l] of Object.entries(LAYERS)) {
    if ((file === l.path || file.startsWith(l.path)) && (!best || l.path.length > LAYERS[best].path.length)) best = name;
  }
  return best;
}

const matches = (file: string, prefix: string) => file === prefix || (prefix.endsWith('/') && file.startsWith(prefix));

/** What breaks the rules, one line each (empty when the tree follows the map). */
export function findViolations(edges: Edge[]): string[] {
  const out: string[] = [];
  for (const { from, to } of edges) {
    const fromLayer = layerOf(from);
    if (!fromLayer) continue;
    const project = to.includes('/') && layerOf(to) !== null;
    if (project) {
      const toLayer = layerOf(to)!;
      const excepted = EXCEPTIONS.some((e) => matches(from, e.from) && matches(to, e.to));
      const allowed = toLayer === fromLayer || LAYERS[fromLayer].may.includes(toLayer) || excepted;
      if (!allowed) out.push(`${from} → ${to}: ${fromLayer}/ may import only ${LAYERS[fromLayer].may.map((m) => `${m}/`).join(', ') || 'itself'}`);
      else if (toLayer !== fromLayer && DOORS[toLayer] && !DOORS[toLayer].includes(to) && !excepted) out.push(`${from} → ${to}: other layers reach ${toLayer}/ only through ${DOORS[toLayer].join(', ')}`);
      const restricted = RESTRICTED.find((r) => r.module === to);
      if (restricted && !restricted.only.some((p) => matches(from, p))) out.push(`${from} → ${to}: only ${restricted.only.join(', ')} may import it (${restricted.why})`);
    } else if (PURE_LAYERS.includes(fromLayer) && EFFECT_MODULES.some((re) => re.test(to)) && !EFFECT_EXCEPTIONS.some((e) => e.file === from)) {
      out.push(`${from} → ${to}: ${fromLayer}/ is pure (no file, process or network effects)`);
    }
  }
  return out;
}

/** Import cycles between project files (strongly connected components of more than one file, or a self-import). */
export function findCycles(edges: Edge[]): string[][] {
  const graph = new Map<string, string[]>();
  for (const { from, to } of edges) {
    if (!layerOf(to)) continue;
    graph.set(from, [...(graph.get(from) ?? []), to]);
  }
  // Tarjan's algorithm, iterative enough for this tree's depth.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  return cycles;
}
