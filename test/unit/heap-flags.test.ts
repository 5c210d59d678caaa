import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { HEAP_FLAGS } from '../../common/runtime/heap-flags';

const root = path.resolve(__dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
const flags = HEAP_FLAGS.join(' ');

describe('heap flags where the processes start', () => {
  it('the web and worker npm scripts start node with them', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['start:web']).to.equal(`node ${flags} dist/api/server.js`);
    expect(scripts['start:worker']).to.equal(`node ${flags} dist/worker/main.js`);
  });

  it('the Procfile runs those npm scripts', () => {
    expect(read('Procfile'))
      .to.match(/^web: npm run start:web$/m)
      .and.match(/^worker: npm run start:worker$/m);
  });

  it("the image's default command and the compose services carry them", () => {
    const asJson = JSON.stringify(['node', ...HEAP_FLAGS]).slice(0, -1);
    expect(read('Dockerfile').replace(/",\s+"/g, '","')).to.include(`CMD ${asJson},"dist/api/server.js"]`);
    const compose = read('docker-compose.yml').replace(/",\s+"/g, '","');
    expect(compose).to.include(`${asJson},"dist/api/server.js"]`);
    expect(compose).to.include(`${asJson},"dist/worker/main.js"]`);
  });

  it('npm start spawns its children with them', () => {
    expect(read('scripts/start/children.ts')).to.include('[...execArgv, ...HEAP_FLAGS, file]');
  });
});
