// Alertmanager's API, read side: the alerts that are active now (not silenced, not inhibited).
// `prodctl status` lists them; `prodctl drill` watches them fire and resolve.

export interface ActiveAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  status: { state: string };
}

/** Throws on a transport error, a timeout or a non-2xx answer; callers decide what that means. */
export async function fetchActiveAlerts(alertmanagerUrl: string, timeoutMs: number): Promise<ActiveAlert[]> {
  const res = await fetch(`${alertmanagerUrl}/api/v2/alerts?active=true&silenced=false&inhibited=false`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return (await res.json()) as ActiveAlert[];
}
