import ArgumentParser
import Configuration
import ClinicAPI
import ClinicPostgres
print("hi")
