// ESP32 / ESP8266 sensor for siar (or any MQTT broker): joins the Wi-Fi,
// logs in with a username and password, publishes a temperature reading
// every 5 seconds, and switches the built-in LED on commands.
//
// Libraries: "PubSubClient" by Nick O'Leary (Library Manager). Boards: esp32 or esp8266.
// Fill in the four settings below with what `siar start --lan` printed.
#if defined(ESP8266)
#include <ESP8266WiFi.h>
#else
#include <WiFi.h>
#endif
#include <PubSubClient.h>

// ---- settings ----
const char* WIFI_SSID     = "your-wifi";
const char* WIFI_PASSWORD = "your-wifi-password";
const char* MQTT_HOST     = "192.168.1.23";   // the laptop's address from `siar start --lan`
const uint16_t MQTT_PORT  = 1883;
const char* MQTT_USER     = "device";
const char* MQTT_PASSWORD = "paste-the-password";
const char* DEVICE_ID     = "esp32-1";        // one per board: the broker drops a second client with the same id

#ifndef LED_BUILTIN
#define LED_BUILTIN 2                          // most ESP32 dev boards
#endif
const int SENSOR_PIN = 34;                     // an LM35 on an ADC pin; leave unconnected to see noise
const unsigned long PUBLISH_EVERY_MS = 5000;

char tempTopic[64];
char cmdTopic[64];
char statusTopic[64];

WiFiClient wifi;
PubSubClient mqtt(wifi);
unsigned long lastPublish = 0;
unsigned long lastAttempt = 0;

void onMessage(char* topic, byte* payload, unsigned int length) {
  String command;
  for (unsigned int i = 0; i < length; i++) command += (char)payload[i];
  Serial.printf("command on %s: %s\n", topic, command.c_str());
  if (command == "led-on") digitalWrite(LED_BUILTIN, HIGH);
  else if (command == "led-off") digitalWrite(LED_BUILTIN, LOW);
}

void connectWifi() {
  Serial.printf("joining Wi-Fi %s", WIFI_SSID);
  WiFi.mode(WIFI_STA);
  WiFi.begin(WIFI_SSID, WIFI_PASSWORD);
  while (WiFi.status() != WL_CONNECTED) {
    delay(500);
    Serial.print(".");
  }
  // The board's own address; the broker's address is MQTT_HOST.
  Serial.printf("\nWi-Fi ok, my address: %s\n", WiFi.localIP().toString().c_str());
}

bool connectMqtt() {
  Serial.printf("connecting to mqtt://%s:%u as %s ... ", MQTT_HOST, MQTT_PORT, MQTT_USER);
  // Last will: if the board loses power, the broker publishes "offline" for it (retained).
  bool ok = mqtt.connect(DEVICE_ID, MQTT_USER, MQTT_PASSWORD, statusTopic, 1, true, "offline");
  if (!ok) {
    // 4 = bad user name or password, 5 = not authorized, -2 = broker not reachable (address, firewall).
    Serial.printf("failed, state %d (on the laptop, run: siar doctor)\n", mqtt.state());
    return false;
  }
  Serial.println("ok");
  mqtt.publish(statusTopic, "online", true);   // retained: later subscribers see it too
  mqtt.subscribe(cmdTopic, 1);
  return true;
}

float readCelsius() {
#if defined(ESP8266)
  int raw = analogRead(A0);                    // 0..1023 over 0..1 V
  return raw * (1000.0 / 1023.0) / 10.0;       // LM35: 10 mV per °C
#else
  int millivolts = analogReadMilliVolts(SENSOR_PIN);
  return millivolts / 10.0;                    // LM35: 10 mV per °C
#endif
}

void setup() {
  Serial.begin(115200);
  pinMode(LED_BUILTIN, OUTPUT);
  snprintf(tempTopic, sizeof tempTopic, "sensors/%s/temp", DEVICE_ID);
  snprintf(cmdTopic, sizeof cmdTopic, "devices/%s/cmd", DEVICE_ID);
  snprintf(statusTopic, sizeof statusTopic, "devices/%s/status", DEVICE_ID);
  connectWifi();
  mqtt.setServer(MQTT_HOST, MQTT_PORT);
  mqtt.setCallback(onMessage);
}

void loop() {
  if (WiFi.status() != WL_CONNECTED) connectWifi();
  if (!mqtt.connected()) {
    // Retry every 5 s without blocking the rest of loop().
    if (millis() - lastAttempt < 5000) return;
    lastAttempt = millis();
    if (!connectMqtt()) return;
  }
  mqtt.loop();                                 // receives commands, sends keepalives

  if (millis() - lastPublish >= PUBLISH_EVERY_MS) {
    lastPublish = millis();
    char value[16];
    snprintf(value, sizeof value, "%.1f", readCelsius());
    mqtt.publish(tempTopic, value);
    Serial.printf("published %s %s\n", tempTopic, value);
  }
}
