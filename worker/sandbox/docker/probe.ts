import Docker from 'dockerode';

/** A Docker client for DOCKER_HOST (`unix:///path`, `tcp://host:port`) or the default socket. */
export function dockerClient(dockerHost?: string): Docker {
  if (!dockerHost) return new Docker();
  const url = new URL(dockerHost);
  if (url.protocol === 'unix:') return new Docker({ socketPath: url.pathname });
  return new Docker({
    host: url.hostname,
    port: Number(url.port || 2375),
    protocol: url.protocol === 'https:' || url.protocol === 'tls:' ? 'https' : 'http',
  });
}

/** true when an engine answers a ping within a second */
export async function dockerReachable(dockerHost?: string): Promise<boolean> {
  try {
    const ping = dockerClient(dockerHost).ping();
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000).unref());
    await Promise.race([ping, timeout]);
    return true;
  } catch {
    return false;
  }
}
