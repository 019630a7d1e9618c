/** The {@code onnx:PATH} encoder: a user's pretrained ONNX network on ONNX Runtime, frozen. */
package org.legonet.dl.onnx;
