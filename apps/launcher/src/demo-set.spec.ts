import { demoRefusal } from './demo-set';

describe('the local demo hub (npm run hub)', () => {
  it('refuses to run with NODE_ENV=production, saying how to deploy instead', () => {
    expect(demoRefusal({ NODE_ENV: 'production' })).toMatch(/NODE_ENV=production.*docker\/compose\.yaml/);
  });

  it('runs otherwise', () => {
    expect(demoRefusal({})).toBeUndefined();
    expect(demoRefusal({ NODE_ENV: 'development' })).toBeUndefined();
  });
});
