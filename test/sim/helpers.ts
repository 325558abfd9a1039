// The hand-built test fabrics live beside the fabric code (unit tests use them too).
export * from '../../src/fabric/make-fabric.fixture.js';
