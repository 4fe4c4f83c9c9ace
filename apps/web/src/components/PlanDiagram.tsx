import { T } from '../testids';

interface Props {
  layers: { name: string; kind: string }[];
  partition: number;
  exitName: string;
}

/** The exit path's layers in order, the first `partition` on the device, the rest on the edge. */
export function PlanDiagram({ layers, partition, exitName }: Props) {
  return (
    <figure className="plan-diagram">
      <figcaption>
        Path of {exitName}: <span className="swatch device" aria-hidden="true" /> device,{' '}
        <span className="swatch edge" aria-hidden="true" /> edge
      </figcaption>
      <ol data-testid={T.planDiagram} aria-label={`Layers of ${exitName}`}>
        {layers.map((l, i) => {
          const side = i < partition ? 'device' : 'edge';
          return (
            <li
              key={l.name}
              data-testid={`layer-${i}`}
              data-side={side}
              className={`layer ${side}${i === partition ? ' cut' : ''}`}
              title={`${l.name} (${l.kind}) on the ${side}`}
            >
              <span className="layer-name">{l.name}</span>
              <span className="visually-hidden"> on the {side}</span>
            </li>
          );
        })}
      </ol>
    </figure>
  );
}
