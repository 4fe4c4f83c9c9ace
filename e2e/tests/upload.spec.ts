import { T } from '../../apps/web/src/testids';
import { expectMeasuredAddsUp } from '../support/breakdown';
import { expect, test } from '../support/test';

test('classifies uploaded Fashion-MNIST test images with their true class', async ({
  edgent,
  data,
}) => {
  await edgent.open();
  await expect(edgent.id(T.backend)).not.toBeEmpty();

  // Test images every exit of the model gets right (the global setup chose them), as PNG
  // files 8 times the model's input size.
  for (const image of data.images.slice(0, 3)) {
    const result = await edgent.classifyFile(image.png);
    expect(result.label, `class of test image ${image.index}`).toBe(image.label);
    expect(result.className).toBe(image.className);
  }
  await expectMeasuredAddsUp(edgent);
});
