// The ink live view of `prodctl status --watch`: redraws the same sections as the plain output
// every interval. Loaded only with --watch, so `prodctl --help` never pays for ink and react.
import { Box, Text, render, useApp, useInput, useStdin } from 'ink';
import { useEffect, useState } from 'react';
import { shouldColor } from '../../lib/output.js';
import { formatSections, type Tone } from './format-snapshot.js';
import type { StatusSnapshot } from './snapshot.js';

const TONE_COLOR: Record<Tone, string> = { ok: 'green', warn: 'yellow', bad: 'red', dim: 'gray' };

interface Props {
  collect: () => Promise<StatusSnapshot>;
  intervalMs: number;
  color: boolean;
}

function StatusApp({ collect, intervalMs, color }: Props) {
  const [snap, setSnap] = useState<StatusSnapshot | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [refreshes, setRefreshes] = useState(0);
  const { exit } = useApp();
  const { isRawModeSupported } = useStdin();
  useInput((input) => (input === 'q' ? exit() : undefined), { isActive: Boolean(isRawModeSupported) });

  useEffect(() => {
    let alive = true;
    let timer: NodeJS.Timeout | undefined;
    const refresh = async () => {
      try {
        const s = await collect();
        if (!alive) return;
        setSnap(s);
        setError(null);
      } catch (err) {
        if (alive) setError(err instanceof Error ? err.message : String(err));
      }
      if (!alive) return;
      setRefreshes((n) => n + 1);
      timer = setTimeout(refresh, intervalMs);
    };
    void refresh();
    return () => {
      alive = false;
      if (timer) clearTimeout(timer);
    };
  }, [collect, intervalMs]);

  if (!snap) return <Text>{error ? `status unavailable: ${error}` : 'collecting…'}</Text>;
  const sections = formatSections(snap).filter((s) => s.rows.length > 0);
  return (
    <Box flexDirection="column">
      <Text bold>
        prodctl status · {snap.project} · {snap.at.slice(11, 19)} UTC · refresh {intervalMs / 1000}s #{refreshes}
        {isRawModeSupported ? ' · q to quit' : ''}
      </Text>
      {error ? <Text color={color ? 'red' : undefined}>last refresh failed: {error}</Text> : null}
      {sections.map((sec) => {
        const width = Math.max(...sec.rows.map((r) => r.label.length));
        return (
          <Box key={sec.title} flexDirection="column" marginTop={1}>
            <Text bold>{sec.title}</Text>
            {sec.rows.map((r, i) => (
              // Labels repeat (one alert name firing for two targets): the position keeps keys unique.
              <Text key={`${i}-${r.label}`}>
                {'  '}
                {r.label.padEnd(width)}
                {'  '}
                <Text color={color ? TONE_COLOR[r.tone] : undefined}>{r.value}</Text>
              </Text>
            ))}
          </Box>
        );
      })}
    </Box>
  );
}

export async function runLiveView(collect: () => Promise<StatusSnapshot>, intervalMs: number): Promise<void> {
  const app = render(<StatusApp collect={collect} intervalMs={intervalMs} color={shouldColor()} />, { exitOnCtrlC: true });
  await app.waitUntilExit();
}
