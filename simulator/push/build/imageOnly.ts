// Image-only compose services: the image must be on the device's engine (pulled if the device can reach a
// registry), then tagged `local_image_<svc>:latest` as `balena push` does.
import type Docker from 'dockerode';
import { invalidInput, messageOf } from '../../shared/errors.js';
import { imageIdOf } from './engineBuild.js';
import { splitTag } from '../../shared/imageRef.js';

export async function tagImageOnly(device: Docker, image: string, tag: string): Promise<void> {
  if (!(await imageIdOf(device, image))) {
    try {
      const stream = await device.pull(image);
      await new Promise<void>((resolve, reject) =>
        device.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
      );
    } catch (err) {
      throw invalidInput(`image ${image} is not on the device and could not be pulled: ${messageOf(err)}`, err);
    }
  }
  const [repo, t] = splitTag(tag);
  await device.getImage(image).tag({ repo, tag: t });
}
