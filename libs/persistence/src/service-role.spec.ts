import { serviceDatabaseUrl } from './service-role';

describe(serviceDatabaseUrl.name, () => {
  it('puts the service login in place of the owner, keeping the server, the database and the options', () => {
    expect(
      serviceDatabaseUrl('postgres://hub:owner-pw@db.example:5433/hub?sslmode=require', 'hub_service'),
    ).toBe('postgres://hub_service:owner-pw@db.example:5433/hub?sslmode=require');
    expect(
      serviceDatabaseUrl(
        'postgres://postgres@127.0.0.1:5432/cosmo_hub',
        'cosmo_hub_app',
        's3cret/with:chars',
      ),
    ).toBe('postgres://cosmo_hub_app:s3cret%2Fwith%3Achars@127.0.0.1:5432/cosmo_hub');
  });
});
