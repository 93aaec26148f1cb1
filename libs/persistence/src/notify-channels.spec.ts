import { touchedSubscriptions } from './notify-channels';

describe(touchedSubscriptions.name, () => {
  it('reads the subscription ids a feed NOTIFY names, and an empty or missing payload as everyone', () => {
    expect(
      touchedSubscriptions('8c0e2b8e-35d4-4c55-9d2a-6f0d3f4c1a11,1f6b6f0e-0a8d-4a55-8f57-0d0b7b8a9c22'),
    ).toEqual(['8c0e2b8e-35d4-4c55-9d2a-6f0d3f4c1a11', '1f6b6f0e-0a8d-4a55-8f57-0d0b7b8a9c22']);
    expect(touchedSubscriptions('')).toBeNull();
    expect(touchedSubscriptions(undefined)).toBeNull();
  });
});
