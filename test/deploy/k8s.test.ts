import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { parseAllDocuments } from 'yaml';
import { listSettings } from '../../common/config/schema';
import { app } from '../support/deps';
import { startWorkerHttp } from '../support/worker-http';

/**
 * deploy/k8s/ read as Kubernetes would, checked against the code: routes, settings, the Procfile's
 * commands and the shutdown deadline. (No cluster: kustomize's own checks run where kubectl is.)
 */
const ROOT = path.join(__dirname, '..', '..');
const K8S = path.join(ROOT, 'deploy', 'k8s');

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [key: string]: unknown;
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  command?: string[];
  args?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string }>;
  envFrom?: Array<{ configMapRef?: { name: string } }>;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  volumes?: Array<{ name: string; secret?: { secretName: string } }>;
}

function readManifests(dir: string): Array<Manifest & { file: string }> {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .flatMap((file) =>
      parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8')).map((doc) => {
        expect(doc.errors, `${file} parses`).to.deep.equal([]);
        return { ...(doc.toJS() as Manifest), file };
      }),
    );
}

const base = readManifests(path.join(K8S, 'base'));
const overlayDir = path.join(K8S, 'overlays', 'production');
const overlay = readManifests(overlayDir);
const find = (kind: string, name: string) => {
  const m = base.find((x) => x.kind === kind && x.metadata.name === name);
  if (!m) throw new Error(`no ${kind} ${name} in deploy/k8s/base`);
  return m;
};
const podOf = (m: Manifest): PodSpec => {
  const spec = m.spec as { template?: { spec: PodSpec } };
  return spec.template!.spec;
};
const workloads = base.filter((m) => m.kind === 'Deployment' || m.kind === 'Job');
const config = find('ConfigMap', 'gema-config').data!;
const envOf = (c: Container) => ({ ...config, ...Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? ''])) });

/** `npm run <script>` in the Procfile, resolved through package.json to the argv the process starts with. */
function procfileArgv(processType: string): string[] {
  const procfile = fs.readFileSync(path.join(ROOT, 'Procfile'), 'utf8');
  const line = procfile.split('\n').find((l) => l.startsWith(`${processType}:`));
  if (!line) throw new Error(`no ${processType} in the Procfile`);
  let command = line.slice(processType.length + 1).trim();
  const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  for (let m = /^npm run ([\w:-]+)$/.exec(command); m; m = /^npm run ([\w:-]+)$/.exec(command)) command = scripts[m[1]!]!;
  return command.split(/\s+/);
}

describe('Kubernetes manifests (deploy/k8s)', () => {
  it('list every manifest of a folder in its kustomization, and only files that exist', () => {
    for (const dir of [path.join(K8S, 'base'), overlayDir]) {
      const kustomization = parseAllDocuments(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as {
        resources?: string[];
        patches?: Array<{ path: string }>;
      };
      const listed = [...(kustomization.resources ?? []), ...(kustomization.patches ?? []).map((p) => p.path)];
      for (const entry of listed) expect(fs.existsSync(path.join(dir, entry)), `${entry} in ${dir}`).to.equal(true);
      const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
      expect(listed).to.include.members(files);
    }
  });

  it('patch in the production overlay only objects the base defines', () => {
    for (const m of overlay) expect(() => find(m.kind, m.metadata.name), `${m.file}`).not.to.throw();
  });

  it('run three web replicas, probed for readiness on /ready and for liveness on /health', () => {
    const web = find('Deployment', 'gema-web');
    expect((web.spec as { replicas: number }).replicas).to.equal(3);
    const c = podOf(web).containers[0]!;
    expect(c.readinessProbe?.httpGet?.path).to.equal('/ready');
    expect(c.livenessProbe?.httpGet?.path).to.equal('/health');
  });

  it('probe the web pods on routes the API answers, on the port it listens on', async () => {
    const c = podOf(find('Deployment', 'gema-web')).containers[0]!;
    for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
      if (!probe?.httpGet) continue;
      await request(app()).get(probe.httpGet.path).expect(200);
      const port = c.ports!.find((p) => p.name === probe.httpGet!.port || p.containerPort === probe.httpGet!.port)!;
      expect(port.containerPort).to.equal(Number(envOf(c).PORT));
    }
  });

  it("probe the worker pods on routes the worker's own port answers, on WORKER_HTTP_PORT", async () => {
    const http = await startWorkerHttp();
    try {
      for (const name of ['gema-worker', 'gema-jobs-worker']) {
        const c = podOf(find('Deployment', name)).containers[0]!;
        for (const probe of [c.readinessProbe, c.livenessProbe]) {
          expect(probe?.httpGet, `${name} probe`).to.not.equal(undefined);
          expect((await http.get(probe!.httpGet!.path)).status).to.equal(200);
          const port = c.ports!.find((p) => p.name === probe!.httpGet!.port || p.containerPort === probe!.httpGet!.port)!;
          expect(port.containerPort).to.equal(Number(envOf(c).WORKER_HTTP_PORT));
        }
      }
    } finally {
      await http.close();
    }
  });

  it('set only environment variables the config schema reads (a secret also as <NAME>_FILE)', () => {
    const settings = listSettings();
    const known = new Set([...settings.map((s) => s.env), ...settings.filter((s) => s.secret).map((s) => `${s.env}_FILE`)]);
    const names = [
      ...Object.keys(config),
      ...overlay.filter((m) => m.kind === 'ConfigMap').flatMap((m) => Object.keys(m.data ?? {})),
      ...workloads.flatMap((w) => podOf(w).containers.flatMap((c) => (c.env ?? []).map((e) => e.name))),
    ];
    expect(names.filter((n) => !known.has(n))).to.deep.equal([]);
  });

  it('read every secret from a file on a mounted Kubernetes Secret, never from a literal value', () => {
    const secretEnv = new Set(
      listSettings()
        .filter((s) => s.secret)
        .map((s) => s.env),
    );
    for (const w of workloads) {
      const pod = podOf(w);
      for (const c of pod.containers) {
        for (const e of c.env ?? []) {
          expect(secretEnv.has(e.name), `${w.metadata.name} sets ${e.name} in the clear`).to.equal(false);
          if (!e.name.endsWith('_FILE')) continue;
          const mount = (c.volumeMounts ?? []).find((v) => e.value!.startsWith(`${v.mountPath}/`));
          expect(mount, `${e.name} of ${w.metadata.name} lies on a mount`).to.not.equal(undefined);
          expect(pod.volumes!.find((v) => v.name === mount!.name)?.secret?.secretName).to.equal('gema-secrets');
        }
      }
      expect(Object.keys(config).filter((k) => secretEnv.has(k))).to.deep.equal([]);
    }
  });

  it("start each process with the Procfile's command", () => {
    const byProcess: Record<string, string[]> = { 'gema-web': procfileArgv('web'), 'gema-worker': procfileArgv('worker') };
    byProcess['gema-jobs-worker'] = byProcess['gema-worker']!;
    byProcess['gema-migrate'] = procfileArgv('release');
    for (const w of workloads) {
      const c = podOf(w).containers[0]!;
      expect([...(c.command ?? []), ...(c.args ?? [])], w.metadata.name).to.deep.equal(byProcess[w.metadata.name]);
    }
  });

  it('give every pod more time to stop than SHUTDOWN_TIMEOUT_MS, the preStop sleep and the force-exit grace', () => {
    // common/runtime/run-process.ts ends a process 3 s after the drain deadline if a hook hangs
    const forceExitGraceMs = 3000;
    for (const name of ['gema-web', 'gema-worker', 'gema-jobs-worker']) {
      const pod = podOf(find('Deployment', name));
      const c = pod.containers[0]!;
      const preStop = c.lifecycle?.preStop?.exec?.command;
      const preStopMs = preStop?.[0] === 'sleep' ? Number(preStop[1]) * 1000 : 0;
      const needed = Number(envOf(c).SHUTDOWN_TIMEOUT_MS) + preStopMs + forceExitGraceMs;
      expect(pod.terminationGracePeriodSeconds! * 1000, name).to.be.greaterThan(needed);
    }
  });

  it('give every container resource requests and a memory limit', () => {
    for (const w of workloads) {
      for (const c of podOf(w).containers) {
        expect(c.resources?.requests, w.metadata.name).to.include.keys('cpu', 'memory');
        expect(c.resources?.limits, w.metadata.name).to.include.keys('memory');
      }
    }
  });

  it("scale the grading worker on the grading queue's waiting list in Redis", () => {
    const scaled = find('ScaledObject', 'gema-worker');
    const spec = scaled.spec as { scaleTargetRef: { name: string }; triggers: Array<{ type: string; metadata: { listName: string } }> };
    expect(spec.scaleTargetRef.name).to.equal('gema-worker');
    // BullMQ's waiting list: <REDIS_PREFIX>bull:<queue>:wait (common/queues bullPrefix)
    expect(spec.triggers[0]).to.deep.include({ type: 'redis' });
    expect(spec.triggers[0]!.metadata.listName).to.equal(`${config.REDIS_PREFIX}bull:grading:wait`);
    const env = envOf(podOf(find('Deployment', 'gema-worker')).containers[0]!);
    expect(env.WORKER_QUEUES).to.equal('grading');
  });

  it('scale the web pods on CPU and keep disruption budgets for web and workers', () => {
    const hpa = find('HorizontalPodAutoscaler', 'gema-web').spec as {
      scaleTargetRef: { name: string };
      metrics: Array<{ resource: { name: string } }>;
    };
    expect(hpa.scaleTargetRef.name).to.equal('gema-web');
    expect(hpa.metrics.map((m) => m.resource.name)).to.deep.equal(['cpu']);
    const budgets = base.filter((m) => m.kind === 'PodDisruptionBudget');
    const selected = budgets.map(
      (b) => (b.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels['app.kubernetes.io/name'],
    );
    expect(selected).to.include.members(['gema-web', 'gema-worker', 'gema-jobs-worker']);
  });

  it('let the grading worker reach only Redis, PostgreSQL and DNS', () => {
    const policy = find('NetworkPolicy', 'gema-worker').spec as {
      podSelector: { matchLabels: Record<string, string> };
      policyTypes: string[];
      egress: Array<{ ports: Array<{ port: number }> }>;
    };
    expect(policy.podSelector.matchLabels['app.kubernetes.io/name']).to.equal('gema-worker');
    expect(policy.policyTypes).to.include('Egress');
    expect([...new Set(policy.egress.flatMap((e) => e.ports.map((p) => p.port)))].sort()).to.deep.equal([5432, 53, 6379].sort());
  });
});
