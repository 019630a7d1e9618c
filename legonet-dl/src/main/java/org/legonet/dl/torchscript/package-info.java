/** The {@code torchscript:PATH} encoder: a user's TorchScript module on DJL's PyTorch engine, frozen. */
package org.legonet.dl.torchscript;
