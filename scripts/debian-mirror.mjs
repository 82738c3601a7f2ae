// Reads the Debian mirror from apt's sources at run time, so no registry host is written in the repo.
import { fs, path } from 'zx';

/** The first non-security Debian mirror URI from apt's deb822 or one-line sources. */
export async function readDebianMirror() {
  const dir = '/etc/apt/sources.list.d';
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.sources') || f.endsWith('.list')).map((f) => path.join(dir, f));
  if (await fs.pathExists('/etc/apt/sources.list')) files.push('/etc/apt/sources.list');
  for (const file of files) {
    const text = await fs.readFile(file, 'utf8');
    const deb822 = text.match(/^URIs:\s*(\S+)/m);
    const oneLine = text.match(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m);
    const uri = deb822?.[1] ?? oneLine?.[1];
    if (uri && !/security/.test(uri)) return uri;
  }
  throw new Error(`no Debian mirror found in ${dir} — configure apt first`);
}
