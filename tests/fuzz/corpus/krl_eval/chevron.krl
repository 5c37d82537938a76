<<v=#{1 + 2}>>.extract(re#(\d+)#).head().as("Number") == 3 => "yes" | "no"
