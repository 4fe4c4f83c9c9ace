import { type CanvasHTMLAttributes, useEffect, useRef } from 'react';
import { drawGray } from '../image/decode';

type Props = CanvasHTMLAttributes<HTMLCanvasElement> & {
  pixels: Uint8Array | undefined;
  'data-testid'?: string;
};

/** 28x28 gray bytes on a canvas that CSS scales up without smoothing. */
export function GrayCanvas({ pixels, ...rest }: Props) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (ref.current && pixels) drawGray(ref.current, pixels);
  }, [pixels]);
  return <canvas ref={ref} width={28} height={28} {...rest} />;
}
