import net from 'node:net';
import Joi from 'joi';

/** The names Express (proxy-addr) knows for reserved ranges. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isProxyAddress(item: string): boolean {
  if (NAMED_RANGES.has(item)) return true;
  const [address = '', range, ...rest] = item.split('/');
  const family = net.isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (range === undefined) return true;
  if (/^\d{1,3}$/.test(range)) return Number(range) <= (family === 4 ? 32 : 128);
  // proxy-addr also takes an IPv4 netmask, e.g. 10.0.0.0/255.0.0.0
  return family === 4 && net.isIPv4(range);
}

/**
 * `TRUST_PROXY`: how many proxies stand in front (a hop count, 0 for none) or which addresses they
 * have (a comma-separated list of IPs, CIDRs and Express's `loopback`, `linklocal`, `uniquelocal`).
 * `true` is refused: it believes X-Forwarded-For from anyone, so every client could name its own IP
 * and mint fresh rate-limit buckets at will. `false` is kept as another way to say 0.
 */
export const trustProxyRule = Joi.any()
  // the schema validates the process environment: every value that reaches this rule is a string
  .custom((raw: string, helpers) => {
    const value = raw.trim();
    if (value === 'true') {
      return helpers.message({
        custom: 'must be a hop count (e.g. 1) or a list of proxy addresses/CIDRs (e.g. 10.0.0.0/8), not true: true lets any client choose its own IP',
      });
    }
    if (value === 'false' || value === '') return 0;
    if (/^\d+$/.test(value)) {
      const hops = Number(value);
      if (!Number.isSafeInteger(hops) || hops > 100) return helpers.message({ custom: 'as a hop count must be a whole number from 0 to 100' });
      return hops;
    }
    const list = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = list.find((item) => !isProxyAddress(item));
    if (bad !== undefined)
      return helpers.message({ custom: `names "${bad}", which is neither an IP address, a CIDR nor loopback/linklocal/uniquelocal` });
    return list;
  })
  .default(0);
