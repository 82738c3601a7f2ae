// Shared shape of the two key/value server configs we render (postgresql.conf, redis.conf):
// a list of settings, each with the reason for its value, so the renderers stay data and the
// validators can read every setting back from the real server.
export interface ConfSetting {
  name: string;
  /** As written in the file (quoted where the format needs it). */
  value: string;
  /** Why it has this value; rendered as a comment above the line. */
  why?: string;
}

/** `# why` then `name<sep>value`, one per setting, after the header comment lines. */
export function formatConfLines(header: string[], settings: ConfSetting[], separator: string): string {
  const lines = [...header.map((h) => `# ${h}`.trimEnd()), ''];
  for (const s of settings) {
    if (s.why) lines.push(`# ${s.why}`);
    lines.push(`${s.name}${separator}${s.value}`);
  }
  return `${lines.join('\n')}\n`;
}
