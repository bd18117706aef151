# MicroPython sensor for siar (or any MQTT broker) on an ESP32 or ESP8266:
# joins the Wi-Fi, logs in with a username and password, publishes a
# temperature reading every 5 seconds and switches the LED on commands.
# Uses umqtt.simple (bundled with most ESP32/ESP8266 firmware; otherwise:
# mpremote mip install umqtt.simple).
# Fill in the settings with what `siar start --lan` printed, then copy:
#   mpremote cp main.py :main.py && mpremote reset
import time

import machine
import network
from umqtt.simple import MQTTClient, MQTTException

# ---- settings ----
WIFI_SSID = "your-wifi"
WIFI_PASSWORD = "your-wifi-password"
MQTT_HOST = "192.168.1.23"  # the laptop's address from `siar start --lan`
MQTT_PORT = 1883
MQTT_USER = "device"
MQTT_PASSWORD = "paste-the-password"
DEVICE_ID = "mpy-1"  # one per board: the broker drops a second client with the same id
PUBLISH_EVERY_S = 5

TEMP_TOPIC = "sensors/%s/temp" % DEVICE_ID
CMD_TOPIC = "devices/%s/cmd" % DEVICE_ID
STATUS_TOPIC = "devices/%s/status" % DEVICE_ID

led = machine.Pin(2, machine.Pin.OUT)  # the blue LED on most ESP32 boards
sensor = machine.ADC(machine.Pin(34))  # an LM35 on GPIO 34 (ESP32)


def connect_wifi():
    wlan = network.WLAN(network.STA_IF)
    wlan.active(True)
    if not wlan.isconnected():
        print("joining Wi-Fi", WIFI_SSID)
        wlan.connect(WIFI_SSID, WIFI_PASSWORD)
        while not wlan.isconnected():
            time.sleep(0.5)
    # The board's own address; the broker's address is MQTT_HOST.
    print("Wi-Fi ok, my address:", wlan.ifconfig()[0])


def on_message(topic, msg):
    command = msg.decode()
    print("command on", topic.decode(), ":", command)
    if command == "led-on":
        led.value(1)
    elif command == "led-off":
        led.value(0)


def connect_mqtt():
    client = MQTTClient(DEVICE_ID, MQTT_HOST, port=MQTT_PORT, user=MQTT_USER,
                        password=MQTT_PASSWORD, keepalive=30)
    # Last will: if the board loses power, the broker publishes "offline" (retained).
    client.set_last_will(STATUS_TOPIC, b"offline", retain=True, qos=1)
    client.set_callback(on_message)
    print("connecting to mqtt://%s:%d as %s" % (MQTT_HOST, MQTT_PORT, MQTT_USER))
    # Raises MQTTException(5) when the login is refused, OSError when the
    # broker cannot be reached (wrong address, firewall): run `siar doctor`.
    client.connect()
    client.publish(STATUS_TOPIC, b"online", retain=True)  # later subscribers see it too
    client.subscribe(CMD_TOPIC, qos=1)
    return client


def read_celsius():
    # read_uv() is in microvolts; an LM35 gives 10 mV per degree.
    # (ESP8266: sensor = machine.ADC(0) and sensor.read_u16() * 1000 / 65535 / 10 over 0..1 V.)
    return sensor.read_uv() / 10000


def main():
    connect_wifi()
    client = None
    last = 0
    while True:
        try:
            if client is None:
                client = connect_mqtt()
            client.check_msg()  # handle a waiting command, if any, without blocking
            if time.time() - last >= PUBLISH_EVERY_S:
                last = time.time()
                value = "%.1f" % read_celsius()
                client.publish(TEMP_TOPIC, value.encode())
                print("published", TEMP_TOPIC, value)
        except MQTTException as err:
            # 4 = bad user name or password, 5 = not authorized: check MQTT_USER/MQTT_PASSWORD.
            print("broker refused the login, code", err, "- retrying in 5 s")
            client = None
            time.sleep(5)
        except OSError as err:
            # Lost the Wi-Fi or the broker: try again in 5 s.
            print("MQTT error:", err, "- retrying in 5 s")
            client = None
            time.sleep(5)
            connect_wifi()
        time.sleep(0.1)


main()
