/** The unlearning service: REST API, write-ahead log of deletion requests, receipts, metrics. */
package org.legonet.server;
