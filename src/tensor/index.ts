export { BACKENDS, type BackendName, type BackendOptions, useBackend, currentBackend, liveTensors } from './backend.js';
export { type Matrix, zeros, copyMatrix, allFinite, difference, scaleInPlace } from './matrix.js';
export { MacCounter, macCounter } from './macs.js';
export { matMul, upload, type MatMulOptions, type Operand } from './ops.js';
export { RandomStream } from './random.js';
export {
  type Tensor,
  type Tensor1D,
  type Tensor2D,
  type GradSaveFunc,
  type CountedMatMulOptions,
  ops,
  countedMatMul,
  countedProduct,
  backwardMacCounter,
  download,
} from './autodiff.js';
