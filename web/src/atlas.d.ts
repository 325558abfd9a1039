// The atlases are imported as JSON (bundled, no tile server). Declared here as TopoJSON topologies
// so TypeScript does not infer a type from 100 KB of coordinates.
declare module 'us-atlas/states-albers-10m.json' {
  import type { Topology } from 'topojson-specification';
  const topology: Topology;
  export default topology;
}
declare module 'world-atlas/countries-110m.json' {
  import type { Topology } from 'topojson-specification';
  const topology: Topology;
  export default topology;
}
