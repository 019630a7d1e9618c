/**
 * What the bring-your-own encoders ({@code onnx:PATH}, {@code torchscript:PATH}) share: the
 * specification and its options, fitting a raw sample to a model's input shape, element types,
 * pooling of a per-token output, and reading the model file. The input contract is in
 * {@code docs/encoders.md}.
 */
package org.legonet.dl.byo;
