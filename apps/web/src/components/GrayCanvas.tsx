import { type CanvasHTMLAttributes, useEffect, useRef } from 'react';
import { drawPixels } from '../image/decode';

type Props = CanvasHTMLAttributes<HTMLCanvasElement> & {
  pixels: Uint8Array | undefined;
  'data-testid'?: string;
};

/** A model input (grey, or a colour frame) on a canvas that CSS scales up without smoothing. */
export function GrayCanvas({ pixels, ...rest }: Props) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (ref.current && pixels) drawPixels(ref.current, pixels);
  }, [pixels]);
  return <canvas ref={ref} width={28} height={28} {...rest} />;
}
