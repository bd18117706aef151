#pragma once
#include "Arduino.h"
// The PubSubClient 2.8 signatures the sketch uses.
class PubSubClient {
 public:
  explicit PubSubClient (WiFiClient &) {}
  PubSubClient &setServer (const char *, uint16_t) { return *this; }
  PubSubClient &setCallback (void (*)(char *, uint8_t *, unsigned int)) { return *this; }
  bool connect (const char *, const char *, const char *, const char *, uint8_t, bool, const char *) { return true; }
  bool connected () { return true; }
  bool loop () { return true; }
  bool publish (const char *, const char *) { return true; }
  bool publish (const char *, const char *, bool) { return true; }
  bool subscribe (const char *, uint8_t) { return true; }
  int state () { return 0; }
};
