// Just enough of the Arduino/ESP32 API for `g++ -fsyntax-only` to check the
// example sketch's types and calls (lan-examples.test.ts); nothing runs.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
typedef uint8_t byte;
#define HIGH 1
#define LOW 0
#define OUTPUT 1
class String {
 public:
  String () {}
  String &operator+= (char c) { s += c; return *this; }
  bool operator== (const char *o) const { return s == o; }
  const char *c_str () const { return s.c_str(); }
 private:
  std::string s;
};
struct SerialPort {
  void begin (unsigned long) {}
  int printf (const char *, ...) { return 0; }
  void print (const char *) {}
  void println (const char *) {}
};
extern SerialPort Serial;
unsigned long millis ();
void delay (unsigned long);
void pinMode (int, int);
void digitalWrite (int, int);
int analogRead (int);
uint32_t analogReadMilliVolts (int);
