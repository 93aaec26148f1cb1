/** Sum of every series of one Prometheus metric on a service's /metrics. */
export async function scrapeMetric(serviceUrl: string, metric: string): Promise<number> {
  const text = await (await fetch(`${serviceUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${metric}{`) || line.startsWith(`${metric} `))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** The `detail` a service reports for one of its /health checks. */
export async function healthDetail(serviceUrl: string, check: string): Promise<string> {
  const report = (await (await fetch(`${serviceUrl}/health`)).json()) as {
    checks: Record<string, { detail?: string }>;
  };
  return report.checks[check]?.detail ?? '';
}
