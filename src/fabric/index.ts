// Public surface of the fabric module.
export type {
  Fabric,
  FabricTopology,
  GpuSpec,
  InputIssue,
  Pod,
  ScaleOutNetwork,
  Site,
  SystemSpec,
  Transport,
  WanLink,
} from './types.js';
export {
  FabricInputError,
  formatIssue,
  formatPath,
  listFabricPresets,
  loadCatalog,
  loadFabric,
  parseFabric,
  parseFabricText,
  type Catalog,
  type ParseFabricResult,
} from './load.js';
export {
  formatFabricSummary,
  renderTable,
  summarizeFabric,
  type FabricSummary,
  type SiteSummary,
  type WanLinkSummary,
} from './summary.js';
export { fiberPropagationMs, greatCircleKm } from './geo.js';
export {
  DEFAULT_CHECKPOINT_GBPS_PER_GPU,
  DEFAULT_HOP_LATENCY_US,
  DEFAULT_WAN_EQUIPMENT_LATENCY_MS,
  DEFAULT_WUE_L_PER_KWH,
  EARTH_RADIUS_KM,
  FIBER_US_PER_KM,
} from './constants.js';
export { FabricInputSchema, JURISDICTION_RE, type FabricInput } from './schema.js';
