import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';

interface Service {
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'docker-compose.yml'), 'utf8'), { merge: true }) as Compose;
const service = (name: string): Service => {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no ${name} service`);
  return s;
};
/** `volume:/target` entries of a service, as [volume, target] */
const mounts = (s: Service) => (s.volumes ?? []).map((v) => v.split(':') as [string, string]);
/** the value following `flag` in a service's command */
const flag = (s: Service, name: string) => {
  const command = s.command ?? [];
  const at = command.indexOf(name);
  return at === -1 ? undefined : command[at + 1];
};

describe('docker-compose.yml', () => {
  describe('uploads', () => {
    for (const name of ['api', 'worker']) {
      it(`mounts a named volume on the ${name}'s UPLOAD_DIR`, () => {
        const s = service(name);
        const dir = s.environment?.UPLOAD_DIR;
        expect(dir, `${name} sets UPLOAD_DIR`).to.be.a('string');
        const mount = mounts(s).find(([, target]) => target === dir);
        expect(mount, `${name} mounts a volume on ${dir}`).to.not.equal(undefined);
        expect(compose.volumes ?? {}).to.have.property(mount![0]);
      });
    }

    it('gives the api and the worker the same volume, so the worker reads what the api wrote', () => {
      const volumeOf = (name: string) => mounts(service(name)).find(([, target]) => target === service(name).environment?.UPLOAD_DIR)?.[0];
      expect(volumeOf('api')).to.be.a('string').and.equal(volumeOf('worker'));
      expect(service('api').environment?.UPLOAD_DIR).to.equal(service('worker').environment?.UPLOAD_DIR);
    });
  });

  describe('redis', () => {
    it('keeps an append-only file, so a restart loses no queued job', () => {
      expect(flag(service('redis'), '--appendonly')).to.equal('yes');
    });

    it('never evicts keys (maxmemory-policy noeviction), as BullMQ requires', () => {
      expect(flag(service('redis'), '--maxmemory-policy')).to.equal('noeviction');
    });

    it('keeps its data on a named volume, so the append-only file outlives the container', () => {
      const data = mounts(service('redis')).find(([, target]) => target === '/data');
      expect(data).to.not.equal(undefined);
      expect(compose.volumes ?? {}).to.have.property(data![0]);
    });
  });
});
