import { declaredVariables, loadConfig } from './load-config';
import { HubServiceConfig, servicePrincipal, withKafkaPrincipal } from './hub-config';

class NotifierLikeConfig extends withKafkaPrincipal('NOTIFIER') {}

describe(withKafkaPrincipal.name, () => {
  it("declares the service's own pair beside the shared variables, and nothing for other services", () => {
    const declared = declaredVariables(NotifierLikeConfig);
    expect(declared).toEqual(expect.arrayContaining(declaredVariables(HubServiceConfig)));
    expect(declared.filter((name) => !declaredVariables(HubServiceConfig).includes(name))).toEqual([
      'NOTIFIER_KAFKA_SASL_PASSWORD',
      'NOTIFIER_KAFKA_SASL_USERNAME',
    ]);
  });

  it('reads the pair for servicePrincipal; empty values count as unset', () => {
    const config = loadConfig(NotifierLikeConfig, {
      NOTIFIER_KAFKA_SASL_USERNAME: 'hub-notifier',
      NOTIFIER_KAFKA_SASL_PASSWORD: '',
    });
    expect(servicePrincipal(config, 'NOTIFIER')).toEqual({
      prefix: 'NOTIFIER',
      username: 'hub-notifier',
      password: undefined,
    });
  });
});
