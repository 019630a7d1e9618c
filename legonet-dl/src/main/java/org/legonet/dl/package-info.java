/**
 * Deep encoders and deep baselines. The {@code cnn} encoder and the baselines' CNN train in Java on
 * core's deterministic kernels ({@link org.legonet.dl.cnn.CnnNetwork}); bring-your-own networks run on
 * ONNX Runtime and DJL's PyTorch engine. Encoders plug into core through
 * {@link org.legonet.core.encoder.EncoderProvider} (see META-INF/services).
 */
package org.legonet.dl;
