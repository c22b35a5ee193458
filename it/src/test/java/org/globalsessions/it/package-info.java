/**
 * Multi-process tests of whole topologies on loopback. (Built in the it/ issue.)
 */
package org.globalsessions.it;
