/**
 * Deep encoders and deep baselines on DJL (PyTorch engine) and ONNX Runtime. Encoders plug into core
 * through {@link org.legonet.core.encoder.EncoderProvider} (see META-INF/services).
 */
package org.legonet.dl;
