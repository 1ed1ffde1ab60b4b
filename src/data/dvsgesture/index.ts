/** DVS128 Gesture and event-camera data: readers (AEDAT 3.1, AEDAT 2.0, N-MNIST), labels, split, frames, loader. */
export * from './events.js';
export * from './aedat3.js';
export * from './aedat2.js';
export * from './nmnist.js';
export * from './labels.js';
export * from './recordings.js';
export * from './split.js';
export * from './frames.js';
export * from './load.js';
