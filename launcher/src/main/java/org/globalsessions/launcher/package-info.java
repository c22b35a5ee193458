/**
 * The global-sessions command: role flags, config files, certificate generation, inspection
 * and admin commands. (Built in the client-api and launcher issue.)
 */
package org.globalsessions.launcher;
