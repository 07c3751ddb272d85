// Clean-up of the Docker objects a simulated device made (labelled with its id), before and after a test.
import Docker from 'dockerode';
import { deviceIdFrom, purgeDevice } from '../../simulator/device/scope.js';

export async function cleanUpDevice(name: string): Promise<void> {
  await purgeDevice(new Docker(), deviceIdFrom(name));
}
