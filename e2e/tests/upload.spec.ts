import { T } from '../../apps/web/src/testids';
import { expectMeasuredAddsUp, expectPromiseKept } from '../support/breakdown';
import { expect, test } from '../support/test';

const UPLOADS = 16;
/** Answers the online calibration is given before the promise is checked. */
const CALIBRATING = 4;

test('classifies uploaded Fashion-MNIST test images with their true class', async ({
  edgent,
  data,
}) => {
  await edgent.open();
  await expect(edgent.id(T.backend)).not.toBeEmpty();

  // Test images every exit of the model gets right (the global setup chose them), as PNG
  // files 8 times the model's input size.
  for (let i = 0; i < UPLOADS; i++) {
    const image = data.images[i % data.images.length] as (typeof data.images)[number];
    const result = await edgent.classifyFile(image.png);
    expect(result.label, `class of test image ${image.index}`).toBe(image.label);
    expect(result.className).toBe(image.className);
  }
  await expectMeasuredAddsUp(edgent);

  // The page's promise, answer by answer: once its online calibration has seen a few answers,
  // what each took is what it predicted, in the median.
  const kept = await expectPromiseKept(edgent, CALIBRATING, UPLOADS - CALIBRATING);
  expect(kept.answers).toBe(UPLOADS - CALIBRATING);
});
