#pragma once
#include "Arduino.h"
#define WL_CONNECTED 3
#define WIFI_STA 1
struct IPAddress { String toString () const { return String(); } };
struct WiFiClass {
  void mode (int) {}
  int begin (const char *, const char *) { return 0; }
  int status () { return WL_CONNECTED; }
  IPAddress localIP () { return IPAddress(); }
};
extern WiFiClass WiFi;
class WiFiClient {};
