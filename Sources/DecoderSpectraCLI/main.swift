import DecoderSpectra
print("stub")
